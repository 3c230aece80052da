package adminui_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// liveEvents are the admin namespace's live updates.
var liveEvents = []string{"socket_connected", "socket_updated", "socket_disconnected",
	"room_joined", "room_left", "event_received", "event_sent", "server_stats", "all_sockets"}

// uiEvent is one event a UI client received.
type uiEvent struct {
	name string
	args []any
}

func (e uiEvent) String() string { return fmt.Sprintf("%s%v", e.name, e.args) }

// recorder keeps what a Go client (zishang520's, through rtkittest)
// received of the live updates, in order.
type recorder struct {
	mu     sync.Mutex
	events []uiEvent
	next   int // the first event expect has not looked at
}

// record listens on c for the live updates.
func record(c *rtkittest.Client) *recorder {
	r := &recorder{}
	for _, name := range liveEvents {
		_ = c.Raw().On(types.EventName(name), func(args ...any) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.events = append(r.events, uiEvent{name, args})
		})
	}
	return r
}

// dialUI connects a Go client to the admin namespace with the test's
// password and records its live updates. It returns once the server
// counts the UI in: the greeting (OnConnect) runs after the client sees
// its connection, and sends statistics last.
func dialUI(t *testing.T, ts *rtkittest.Server) (*rtkittest.Client, *recorder) {
	t.Helper()
	c := ts.Dial(t, "/admin", rtkittest.WithAuth(password(testUser, testPassword)))
	rec := record(c)
	rec.expect(t, "server_stats", func([]any) bool { return true }) // the greeting's, or two seconds later
	return c, rec
}

// expect waits (5 s at most) for the next event named name whose
// arguments match, after the last one expect returned, and returns it.
func (r *recorder) expect(t *testing.T, name string, match func(args []any) bool) uiEvent {
	t.Helper()
	var found *uiEvent
	require.Eventually(t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		for i := r.next; i < len(r.events); i++ {
			if e := r.events[i]; e.name == name && match(e.args) {
				found, r.next = &e, i+1
				return true
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond, "waiting for %s; got %v", name, r.all())
	return *found
}

// all returns what r received, without the statistics and the socket
// lists (sent every two seconds).
func (r *recorder) all() []uiEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []uiEvent
	for _, e := range r.events {
		if e.name != "server_stats" && e.name != "all_sockets" {
			out = append(out, e)
		}
	}
	return out
}

// count counts the events named name whose arguments match.
func (r *recorder) count(name string, match func(args []any) bool) int {
	n := 0
	for _, e := range r.all() {
		if e.name == name && match(e.args) {
			n++
		}
	}
	return n
}

// call sends an event from c with an acknowledgement and waits for it.
func call(t *testing.T, c *rtkittest.Client, event string, args ...any) []any {
	t.Helper()
	done := make(chan []any, 1)
	c.Raw().Timeout(5*time.Second).EmitWithAck(event, args...)(func(ack []any, err error) {
		if err != nil {
			ack = nil
		}
		done <- ack
	})
	ack := <-done
	require.NotNil(t, ack, "no acknowledgement of %s", event)
	return ack
}

// room matches room_joined and room_left: (nsp, room, id, timestamp).
func room(nsp, name, id string) func([]any) bool {
	return func(a []any) bool { return len(a) == 4 && a[0] == nsp && a[1] == name && a[2] == id }
}

// socketID matches socket_connected: (socket, timestamp).
func socketID(id string) func([]any) bool {
	return func(a []any) bool {
		m, _ := a[0].(map[string]any)
		return len(a) == 2 && m["id"] == id
	}
}

// TestLiveRoomUpdates: a UI is told at once of every room change of a
// socket — joined through a room policy, through Rooms.Join and
// Rooms.Leave, through its own operation, and left at disconnection —,
// of its transport upgrade and of the events sent to it; a join that
// changes nothing is not reported.
func TestLiveRoomUpdates(t *testing.T) {
	ts, app := start(t, credentials())
	ui, rec := dialUI(t, ts)

	user, connected := dialPolling(t, ts, rec)
	id := user.ID()
	assert.Equal(t, []any{id, "team:blue"}, connected.args[0].(map[string]any)["rooms"])
	require.Equal(t, "polling", connected.args[0].(map[string]any)["transport"], "a client connected over long-polling")
	{
		upd := rec.expect(t, "socket_updated", func(a []any) bool { return a[0].(map[string]any)["id"] == id })
		assert.Equal(t, map[string]any{"id": id, "nsp": "/app", "transport": "websocket"}, upd.args[0])
	}

	call(t, user, "team", "team:red")
	rec.expect(t, "room_joined", room("/app", "team:red", id)) // a room policy

	app.To(id).Join("team:green")
	app.To(id).Join("team:green") // changes nothing
	rec.expect(t, "room_joined", room("/app", "team:green", id))
	app.To(id).Leave("team:green")
	rec.expect(t, "room_left", room("/app", "team:green", id))
	assert.Equal(t, 1, rec.count("room_joined", room("/app", "team:green", id)), "the second join is not reported")

	require.NoError(t, ui.Raw().Emit("join", "/app", "team:ops", id)) // the UI's operation
	rec.expect(t, "room_joined", room("/app", "team:ops", id))

	sock := socketOf(app, id)
	require.NotNil(t, sock)
	require.NoError(t, rtkit.EmitRaw(sock, "hello", "there"))
	sent := rec.expect(t, "event_sent", func(a []any) bool { return len(a) == 4 && a[1] == id })
	assert.Equal(t, []any{"/app", id, []any{"hello", "there"}}, sent.args[:3])

	user.Close()
	for _, r := range []string{"team:blue", "team:red", "team:ops", id} {
		rec.expect(t, "room_left", func(a []any) bool { return room("/app", r, id)(a) })
		rec.next = 0 // the rooms are left in no particular order
	}
	rec.expect(t, "socket_disconnected", func(a []any) bool { return a[1] == id })
	assert.Zero(t, rec.count("event_sent", func(a []any) bool { return a[0] == "/admin" }),
		"the admin namespace's own emits are not reported")
}

// dialPolling connects a client to /app that starts with long-polling,
// and returns it with its socket_connected. The client upgrades once
// connected, usually after its CONNECT; a few attempts give one that was
// still polling when it connected, so that its upgrade is reported (the
// caller checks).
func dialPolling(t *testing.T, ts *rtkittest.Server, rec *recorder) (*rtkittest.Client, uiEvent) {
	t.Helper()
	var (
		user      *rtkittest.Client
		connected uiEvent
	)
	for range 5 {
		user = ts.Dial(t, "/app", rtkittest.WithPolling())
		connected = rec.expect(t, "socket_connected", socketID(user.ID()))
		if connected.args[0].(map[string]any)["transport"] == "polling" {
			break
		}
		user.Close()
	}
	return user, connected
}

// TestLiveUpdatesFromAnotherServer: a UI connected to server A is told of
// the room changes of a socket connected to server B — joined through the
// UI's operation, which reaches B through the adapter, through B's room
// policy and B's Rooms.Leave, and left at disconnection — over a real
// Redis.
func TestLiveUpdatesFromAnotherServer(t *testing.T) {
	r := redistest.Start(t)
	cfgA, cfgB := credentials(), credentials()
	cfgA.ServerID, cfgB.ServerID = "server-a", "server-b"
	redisAdapter := func() rtkit.ServerOption {
		return rtkit.WithAdapter(adapter.Redis(r.Client(t), adapter.Options{Prefix: "adminui-live", Logger: slog.New(slog.DiscardHandler)}))
	}
	tsA, _ := start(t, cfgA, redisAdapter())
	tsB, appB := start(t, cfgB, redisAdapter())

	ui, rec := dialUI(t, tsA)
	rec.expect(t, "server_stats", func(a []any) bool { return a[0].(map[string]any)["serverId"] == "server-b" })

	user := tsB.Dial(t, "/app")
	id := user.ID()
	rec.expect(t, "socket_connected", socketID(id))

	require.NoError(t, ui.Raw().Emit("join", "/app", "team:red", id))
	rec.expect(t, "room_joined", room("/app", "team:red", id))

	call(t, user, "team", "team:green")
	rec.expect(t, "event_received", func(a []any) bool { return a[1] == id }) // before its handler joins
	rec.expect(t, "room_joined", room("/app", "team:green", id))

	appB.To(id).Leave("team:blue")
	rec.expect(t, "room_left", room("/app", "team:blue", id))

	user.Close()
	rec.expect(t, "room_left", room("/app", id, id))
	rec.expect(t, "socket_disconnected", func(a []any) bool { return a[1] == id })
}

// TestNonAdminsGetNoLiveUpdates: the updates go to the admin namespace
// only: a socket of the application, listening for them, gets none, and
// a client with a wrong password is refused before any.
func TestNonAdminsGetNoLiveUpdates(t *testing.T) {
	ts, app := start(t, credentials())
	_, rec := dialUI(t, ts)
	_, err := ts.TryDial(t, "/admin", rtkittest.WithAuth(password(testUser, "wrong")))
	require.Error(t, err)

	user := ts.Dial(t, "/app")
	spy := record(user)
	app.To(user.ID()).Join("team:secret")
	rec.expect(t, "room_joined", room("/app", "team:secret", user.ID()))
	call(t, user, "ping")
	assert.Empty(t, spy.all(), "the application's socket got admin updates")
}

// TestProductionSendsNoLiveUpdates: in production mode a UI gets
// statistics only.
func TestProductionSendsNoLiveUpdates(t *testing.T) {
	cfg := credentials()
	cfg.Production = true
	ts, app := start(t, cfg)
	_, rec := dialUI(t, ts)
	user := ts.Dial(t, "/app")
	app.To(user.ID()).Join("team:red")
	call(t, user, "ping")
	user.Close()
	rec.expect(t, "server_stats", func([]any) bool { return true })
	rec.expect(t, "server_stats", func([]any) bool { return true }) // two seconds later
	assert.Empty(t, rec.all(), "production mode sent live updates")
}

// TestLiveUpdatesAreBounded: a burst of 5,000 joins, a room with a
// 100 KiB name and an event with a 20 KiB payload do not flood the UI: a
// bounded part of the burst is sent live, the huge name and the big
// payload never, and the socket list that follows lists a bounded number
// of the socket's rooms, without the huge one.
func TestLiveUpdatesAreBounded(t *testing.T) {
	ts, app := start(t, credentials())
	_, rec := dialUI(t, ts)
	user := ts.Dial(t, "/app")
	id := user.ID()
	rec.expect(t, "socket_connected", socketID(id))

	huge := strings.Repeat("h", 100<<10)
	bulk := make([]string, 5000)
	for i := range bulk {
		bulk[i] = fmt.Sprintf("bulk:%04d", i)
	}
	app.To(id).Join(append(bulk, huge)...)

	// Once the burst's batches are out, a marker gets through.
	for i := 0; ; i++ {
		marker := fmt.Sprintf("marker:%d", i)
		app.To(id).Join(marker)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		got := false
		for ctx.Err() == nil && !got {
			got = rec.count("room_joined", room("/app", marker, id)) == 1
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if got {
			break
		}
		require.Less(t, i, 50, "no marker got through")
	}
	bulkSent := rec.count("room_joined", func(a []any) bool { s, _ := a[1].(string); return strings.HasPrefix(s, "bulk:") })
	assert.Positive(t, bulkSent)
	assert.LessOrEqual(t, bulkSent, 1000, "the burst was sent unbounded")
	assert.Zero(t, rec.count("room_joined", func(a []any) bool { return a[1] == huge }), "the huge room name was sent")
	rooms := socketOf(app, id).Rooms()
	require.Equal(t, 5000+2, len(rooms)-countMarkers(rooms), "the socket is in every room all the same")

	list := rec.expect(t, "all_sockets", func([]any) bool { return true })
	var listed map[string]any
	for _, s := range list.args[0].([]any) {
		if m := s.(map[string]any); m["id"] == id {
			listed = m
		}
	}
	require.NotNil(t, listed)
	listedRooms := listed["rooms"].([]any)
	assert.LessOrEqual(t, len(listedRooms), 1001, "the list shows a bounded number of rooms")
	assert.NotContains(t, listedRooms, huge)

	// An event with a payload over 16 KiB is not shown live; a small one
	// that follows is.
	call(t, user, "ping", strings.Repeat("p", 20<<10))
	call(t, user, "ping", "small")
	rec.expect(t, "event_received", func(a []any) bool {
		ev, _ := a[2].([]any)
		return a[1] == id && len(ev) == 2 && ev[1] == "small"
	})
	assert.Zero(t, rec.count("event_received", func(a []any) bool {
		ev, _ := a[2].([]any)
		if len(ev) != 2 {
			return false
		}
		s, _ := ev[1].(string)
		return len(s) > 16<<10
	}), "the big payload was sent live")
}

func countMarkers(rooms []string) int {
	n := 0
	for _, r := range rooms {
		if strings.HasPrefix(r, "marker:") {
			n++
		}
	}
	return n
}
