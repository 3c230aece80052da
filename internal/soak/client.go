package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rtkit-go/rtkit/internal/hostile"
)

// client is one raw websocket Socket.IO connection to /app: cheaper than
// the full Go client, so that thousands fit beside the server.
type client struct {
	conn    *websocket.Conn
	flooder bool
	team    string
	tally   *tally

	wmu     sync.Mutex // one writer at a time
	nextID  atomic.Uint64
	pending sync.Map // ack id → sent
	done    chan struct{}
	ended   atomic.Bool // the connection is gone: stop sending
	closing atomic.Bool // closed by us
}

// sent is an event waiting for its acknowledgement.
type sent struct {
	at  time.Time
	say bool // a broadcast to the sender's team
}

// tally counts what every client saw.
type tally struct {
	sent, acked, broadcasts atomic.Int64
	said                    sync.Map     // team → *atomic.Int64: broadcasts acknowledged with success
	owed                    int64        // room messages owed to the clients at the end (set once the acks are in)
	rateLimited             atomic.Int64 // answered RATE_LIMITED to a flooder
	unexpected              atomic.Int64 // any other failure
	disconnects             atomic.Int64
	flooderDisconnects      atomic.Int64 // of which, flooders
	slowest                 atomic.Int64 // nanoseconds
	mu                      sync.Mutex
	samples                 []string
}

func (t *tally) fail(format string, args ...any) {
	t.unexpected.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.samples) < 10 {
		t.samples = append(t.samples, fmt.Sprintf(format, args...))
	}
}

// failures returns the first failures recorded.
func (t *tally) failures() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.samples...)
}

var dialer = &websocket.Dialer{HandshakeTimeout: 20 * time.Second, NetDialContext: (&net.Dialer{Timeout: 20 * time.Second}).DialContext}

// errRefused is a CONNECT the server refused, with its code.
type errRefused struct{ code string }

func (e *errRefused) Error() string { return "connect refused: " + e.code }

// connect dials base, authenticates as user of team and joins /app. On a
// refusal it returns *errRefused.
func connect(ctx context.Context, base, user, team string, t *tally) (*client, error) {
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, resp, err := dialer.DialContext(ctx, url, http.Header{})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*client, error) { _ = conn.Close(); return nil, err }
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, open, err := conn.ReadMessage(); err != nil || !strings.HasPrefix(string(open), "0{") {
		return fail(fmt.Errorf("open packet %q: %v", open, err))
	}
	tok := hostile.Token(key, user, "s-"+user, team, 2*time.Hour)
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`40/app,{"token":"`+tok+`"}`)); err != nil {
		return fail(err)
	}
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return fail(err)
		}
		f := string(b)
		switch {
		case f == "2":
			_ = conn.WriteMessage(websocket.TextMessage, []byte("3"))
			continue
		case strings.HasPrefix(f, "40/app,"):
		case strings.HasPrefix(f, "44/app,"):
			var e struct {
				Data struct {
					Code string `json:"code"`
				} `json:"data"`
			}
			_ = json.Unmarshal([]byte(strings.TrimPrefix(f, "44/app,")), &e)
			return fail(&errRefused{code: e.Data.Code})
		default:
			continue // an event sent before the CONNECT answer was read
		}
		break
	}
	_ = conn.SetReadDeadline(time.Time{})
	c := &client{conn: conn, team: team, tally: t, done: make(chan struct{})}
	go c.read()
	return c, nil
}

// read answers pings and accounts for acknowledgements and broadcasts
// until the connection ends.
func (c *client) read() {
	defer close(c.done)
	for {
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			if c.closing.Load() {
				c.ended.Store(true)
			} else {
				c.lost("connection lost: %v", err)
			}
			return
		}
		f := string(b)
		switch {
		case f == "2":
			c.write("3")
		case strings.HasPrefix(f, "43/app,"):
			c.answered(f[len("43/app,"):])
		case strings.HasPrefix(f, `42/app,["room:message"`):
			c.tally.broadcasts.Add(1)
		case strings.HasPrefix(f, `42/app,["error"`):
			if strings.Contains(f, `"RATE_LIMITED"`) && c.flooder {
				c.tally.rateLimited.Add(1)
			} else {
				c.tally.fail("error event: %.200s", f)
			}
		case strings.HasPrefix(f, "41/app,"):
			c.lost("disconnected by the server")
			_ = c.conn.Close()
		}
	}
}

// lost accounts, once, for a connection that ended without our asking.
func (c *client) lost(format string, args ...any) {
	if c.ended.Swap(true) {
		return
	}
	c.tally.disconnects.Add(1)
	if c.flooder {
		c.tally.flooderDisconnects.Add(1)
	}
	c.tally.fail(format, args...)
}

// answered accounts for one acknowledgement "<id>[envelope]".
func (c *client) answered(rest string) {
	i := strings.IndexByte(rest, '[')
	if i < 0 {
		c.tally.fail("malformed ack %.100q", rest)
		return
	}
	id, _ := strconv.ParseUint(rest[:i], 10, 64)
	var ev sent
	if v, ok := c.pending.LoadAndDelete(id); ok {
		ev = v.(sent)
		if d := int64(time.Since(ev.at)); d > c.tally.slowest.Load() {
			c.tally.slowest.Store(d)
		}
	} else {
		c.tally.fail("ack %d nobody waits for", id)
	}
	c.tally.acked.Add(1)
	body := rest[i:]
	switch {
	case strings.HasPrefix(body, `[{"success":true`):
		if ev.say {
			n, _ := c.tally.said.LoadOrStore(c.team, new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
		}
	case strings.Contains(body, `"code":"RATE_LIMITED"`) && c.flooder:
		c.tally.rateLimited.Add(1)
	default:
		c.tally.fail("ack %.200s", body)
	}
}

// emit sends event with payload, asking for an acknowledgement.
func (c *client) emit(event, payload string) {
	if c.ended.Load() {
		return
	}
	id := c.nextID.Add(1)
	c.pending.Store(id, sent{at: time.Now(), say: event == "room:say"})
	c.tally.sent.Add(1)
	if err := c.write(fmt.Sprintf(`42/app,%d[%q,%s]`, id, event, payload)); err != nil {
		c.pending.Delete(id)
		if !c.ended.Load() {
			c.tally.fail("write: %v", err)
		}
	}
}

func (c *client) write(frame string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.conn.WriteMessage(websocket.TextMessage, []byte(frame))
}

// waiting counts acknowledgements not yet received on a live connection.
func (c *client) waiting() int {
	if c.ended.Load() {
		return 0 // counted as a lost connection already
	}
	n := 0
	c.pending.Range(func(any, any) bool { n++; return true })
	return n
}

// close ends the connection and waits for the reader.
func (c *client) close() {
	c.closing.Store(true)
	_ = c.conn.Close()
	<-c.done
}

// isRefused reports the code of a refused CONNECT.
func isRefused(err error) (string, bool) {
	var r *errRefused
	if errors.As(err, &r) {
		return r.code, true
	}
	return "", false
}
