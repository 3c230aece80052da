package adminui_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adminui"
)

// TestNewRefusesUnsafeConfigs: no admin namespace without an explicit
// choice of credentials, and no password in clear.
func TestNewRefusesUnsafeConfigs(t *testing.T) {
	_, err := adminui.New(adminui.Config{})
	assert.ErrorIs(t, err, adminui.ErrNoCredentials, "the zero Config")
	_, err = adminui.New(adminui.Config{Username: "admin"})
	assert.ErrorIs(t, err, adminui.ErrNoCredentials, "a username alone")
	_, err = adminui.New(adminui.Config{Username: "admin", PasswordHash: testPassword})
	assert.ErrorContains(t, err, "bcrypt", "a password in clear")
	_, err = adminui.New(adminui.Config{Username: "admin", PasswordHash: testHash, NoAuth: true})
	assert.ErrorContains(t, err, "NoAuth", "NoAuth with credentials")
	_, err = adminui.New(adminui.Config{NoAuth: true, Origins: []string{"evil.example"}})
	assert.ErrorContains(t, err, "origin")
	_, err = adminui.New(adminui.Config{NoAuth: true})
	assert.NoError(t, err, "NoAuth, explicitly")
}

// TestLogin: a bad password and a bad username get the refusal the UI
// understands; the right ones connect and get a session id, with which the
// UI reconnects without the password. A made-up session id is refused.
func TestLogin(t *testing.T) {
	cfg := credentials()
	cfg.MaxFailures = 100 // the five refusals below, from one address
	ts, _ := start(t, cfg)

	for name, auth := range map[string]any{
		"wrong password":  password(testUser, "wrong"),
		"wrong username":  password("root", testPassword),
		"no auth":         nil,
		"made-up session": map[string]any{"sessionId": strings.Repeat("a", 32)},
		"wrong types":     map[string]any{"username": 1, "password": []int{1}},
	} {
		_, frame := login(t, ts, auth, nil)
		msg, code := refusal(t, frame)
		assert.Equal(t, "invalid credentials", msg, name)
		assert.Equal(t, rtkit.CodeUnauthorized, code, name)
	}

	c, frame := login(t, ts, password(testUser, testPassword), nil)
	require.True(t, strings.HasPrefix(frame, "40/admin,"), frame)
	args := event(t, c, "session")
	var session string
	require.NoError(t, json.Unmarshal(args[0], &session))
	assert.Len(t, session, 32, "a 128-bit session id")
	args = event(t, c, "config")
	var features struct {
		SupportedFeatures []string `json:"supportedFeatures"`
	}
	require.NoError(t, json.Unmarshal(args[0], &features))
	assert.ElementsMatch(t, []string{"JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT",
		"AGGREGATED_EVENTS", "ALL_EVENTS"}, features.SupportedFeatures)

	again, frame := login(t, ts, map[string]any{"sessionId": session}, nil)
	require.True(t, strings.HasPrefix(frame, "40/admin,"), "the session id logs in: %s", frame)
	_, err := tryEvent(again, "session", 300*time.Millisecond)
	assert.Error(t, err, "no new session for a session login")
}

// TestFailedLoginsAreThrottled: after MaxFailures failures an address is
// refused, even with the right password, until the window ends.
func TestFailedLoginsAreThrottled(t *testing.T) {
	cfg := credentials()
	cfg.MaxFailures = 3
	cfg.FailureWindow = time.Hour
	ts, _ := start(t, cfg)
	for range 3 {
		_, frame := login(t, ts, password(testUser, "guess"), nil)
		_, code := refusal(t, frame)
		assert.Equal(t, rtkit.CodeUnauthorized, code)
	}
	_, frame := login(t, ts, password(testUser, testPassword), nil)
	msg, code := refusal(t, frame)
	assert.Equal(t, rtkit.CodeRateLimited, code, "the right password after three failures: %s", msg)
}

// TestCrossSiteRefused: the rtkit server lets the application's CORS
// origin in, but not into the admin namespace; an origin of
// Config.Origins gets in; a browser's own origin gets in.
func TestCrossSiteRefused(t *testing.T) {
	const appOrigin, adminOrigin = "http://app.example", "http://admin.example"
	cfg := credentials()
	cfg.Origins = []string{adminOrigin}
	ts, _ := start(t, cfg, rtkit.WithCORS(appOrigin, adminOrigin))

	header := func(origin, site string) http.Header {
		h := http.Header{"Origin": {origin}}
		if site != "" {
			h.Set("Sec-Fetch-Site", site)
		}
		return h
	}
	for name, h := range map[string]http.Header{
		"cross-site CORS origin":       header(appOrigin, "cross-site"),
		"same-site CORS origin":        header(appOrigin, "same-site"),
		"CORS origin without metadata": header(appOrigin, ""),
	} {
		_, frame := login(t, ts, password(testUser, testPassword), h)
		_, code := refusal(t, frame)
		assert.Equal(t, rtkit.CodeForbidden, code, name)
	}
	for name, h := range map[string]http.Header{
		"Config.Origins": header(adminOrigin, "cross-site"),
		"not a browser":  nil,
	} {
		t.Run(name, func(t *testing.T) {
			_, frame := login(t, ts, password(testUser, testPassword), h)
			assert.True(t, strings.HasPrefix(frame, "40/admin,"), frame)
		})
	}
	// The browser's own origin, on a server without CORS origins (the
	// zishang520 core's engine refuses a websocket from an origin its CORS
	// list lacks, its own included).
	own, _ := start(t, credentials())
	_, frame := login(t, own, password(testUser, testPassword), header(own.URL, "same-origin"))
	assert.True(t, strings.HasPrefix(frame, "40/admin,"), "same origin: %s", frame)
}

// TestSocketsRoomsAndOperations: the UI sees the application's socket with
// its rooms and transport, and its join, leave and disconnect reach it.
func TestSocketsRoomsAndOperations(t *testing.T) {
	ts, app := start(t, credentials())
	user := ts.Dial(t, "/app")
	ui, _ := login(t, ts, password(testUser, testPassword), nil)

	listed := find(allSockets(t, ui), user.ID())
	require.NotNil(t, listed, "the application's socket is listed")
	assert.Equal(t, "/app", listed.Nsp)
	assert.Equal(t, []string{user.ID(), "team:blue"}, listed.Rooms, "its id room first, then its rooms")
	assert.Equal(t, "websocket", listed.Transport)
	assert.Len(t, listed.ClientID, 12)
	assert.Equal(t, "127.0.0.1", listed.Handshake.Address)
	assert.Empty(t, listed.Handshake.Headers, "no headers: they may carry credentials")

	ui.Send(`42/admin,["join","/app","team:red","` + user.ID() + `"]`)
	sock := socketOf(app, user.ID())
	require.NotNil(t, sock)
	eventually(t, func() bool { return len(sock.Rooms()) == 2 }, "joined team:red")
	assert.Equal(t, []string{"team:blue", "team:red"}, sock.Rooms())
	listed = nil
	for listed == nil || len(listed.Rooms) != 3 {
		listed = find(allSockets(t, ui), user.ID())
		require.NotNil(t, listed)
	}
	assert.Contains(t, listed.Rooms, "team:red", "the next list shows the room")

	ui.Send(`42/admin,["leave","/app","team:blue"]`) // every socket of /app
	eventually(t, func() bool { return len(sock.Rooms()) == 1 }, "left team:blue")
	assert.Equal(t, []string{"team:red"}, sock.Rooms())

	userID := user.ID()
	ui.Send(`42/admin,["_disconnect","/app",false,"` + userID + `"]`)
	eventually(t, func() bool { return !user.Connected() }, "the socket is disconnected")
	args := event(t, ui, "socket_disconnected")
	var nsp, id, reason string
	require.NoError(t, json.Unmarshal(args[0], &nsp))
	require.NoError(t, json.Unmarshal(args[1], &id))
	require.NoError(t, json.Unmarshal(args[2], &reason))
	assert.Equal(t, []string{"/app", userID, "server namespace disconnect"}, []string{nsp, id, reason})
}

// TestMalformedOperations: bad arguments are answered with the "error"
// event, do nothing, and leave the admin connected.
func TestMalformedOperations(t *testing.T) {
	ts, app := start(t, credentials())
	user := ts.Dial(t, "/app")
	ui, _ := login(t, ts, password(testUser, testPassword), nil)
	for _, frame := range []string{
		`42/admin,["join"]`,
		`42/admin,["join","/app",42]`,
		`42/admin,["join","/app",""]`,
		`42/admin,["join","/app","` + strings.Repeat("r", 300) + `"]`,
		`42/admin,["join","/nowhere","room"]`,
		`42/admin,["_disconnect","/app","yes"]`,
		`42/admin,["_disconnect","/app",false,{"$gt":""}]`,
		`42/admin,["leave","/app","team:blue",1,2]`,
	} {
		ui.Send(frame)
		args := event(t, ui, "error")
		assert.NotEmpty(t, args, frame)
	}
	sock := socketOf(app, user.ID())
	require.NotNil(t, sock)
	assert.Equal(t, []string{"team:blue"}, sock.Rooms(), "nothing changed")
	assert.True(t, user.Connected())
	event(t, ui, "server_stats") // still served
}

// TestReadOnly: the UI is told it may not act, and what it sends anyway
// does nothing.
func TestReadOnly(t *testing.T) {
	cfg := credentials()
	cfg.ReadOnly = true
	ts, _ := start(t, cfg)
	user := ts.Dial(t, "/app")
	ui, _ := login(t, ts, password(testUser, testPassword), nil)
	args := event(t, ui, "config")
	assert.JSONEq(t, `{"supportedFeatures":["AGGREGATED_EVENTS","ALL_EVENTS"]}`, string(args[0]))
	ui.Send(`42/admin,["_disconnect","/app",false,"` + user.ID() + `"]`)
	ui.Send(`42/admin,["join","/app","team:red"]`)
	errs := event(t, ui, "error")
	assert.Contains(t, string(errs[0]), rtkit.CodeUnknownEvent)
	require.NotNil(t, find(allSockets(t, ui), user.ID()), "still listed")
	assert.True(t, user.Connected(), "not disconnected")
}

// TestProduction: statistics with counted events, and no socket list, no
// per-socket event.
func TestProduction(t *testing.T) {
	cfg := credentials()
	cfg.Production = true
	cfg.ServerID = "prod-1"
	ts, _ := start(t, cfg)
	ui, _ := login(t, ts, password(testUser, testPassword), nil)
	args := event(t, ui, "config")
	assert.JSONEq(t, `{"supportedFeatures":["JOIN","LEAVE","DISCONNECT","MJOIN","MLEAVE","MDISCONNECT","AGGREGATED_EVENTS"]}`, string(args[0]))

	user := ts.Dial(t, "/app")
	require.NoError(t, user.Raw().Emit("ping"))

	counted := map[string]int{}
	var stats adminui.ServerStats
	for counted["rawConnection"] == 0 || counted["packetsIn"] == 0 {
		f, err := ui.TryRead(5 * time.Second)
		require.NoError(t, err, "statistics with the connection and the event")
		body, ok := strings.CutPrefix(f, "42/admin,")
		require.True(t, ok || !strings.HasPrefix(f, "4"), "a frame of another namespace: %s", f)
		for _, forbidden := range []string{`"all_sockets"`, `"socket_connected"`, `"event_received"`} {
			require.NotContains(t, body, forbidden, "production mode sends no %s", forbidden)
		}
		var a []json.RawMessage
		if json.Unmarshal([]byte(body), &a) != nil || string(a[0]) != `"server_stats"` {
			continue
		}
		require.NoError(t, json.Unmarshal(a[1], &stats))
		for _, e := range stats.AggregatedEvents {
			counted[e.Type] += e.Count
		}
	}
	assert.Equal(t, "prod-1", stats.ServerID)
	assert.Equal(t, 1, counted["packetsIn"], "the ping")
	assert.Contains(t, stats.Namespaces, adminui.NamespaceCount{Name: "/app", SocketsCount: 1})
}

// TestDevelopmentEvents: the UI sees a socket connect, send an event and
// leave, with the event's arguments.
func TestDevelopmentEvents(t *testing.T) {
	ts, _ := start(t, credentials())
	ui, _ := login(t, ts, password(testUser, testPassword), nil)
	event(t, ui, "all_sockets")

	user := ts.Dial(t, "/app")
	args := event(t, ui, "socket_connected")
	var s struct {
		ID  string `json:"id"`
		Nsp string `json:"nsp"`
	}
	require.NoError(t, json.Unmarshal(args[0], &s))
	assert.Equal(t, user.ID(), s.ID)
	assert.Equal(t, "/app", s.Nsp)

	require.NoError(t, user.Raw().Emit("ping", map[string]any{"n": 1}))
	args = event(t, ui, "event_received")
	require.Len(t, args, 4)
	assert.JSONEq(t, `"/app"`, string(args[0]))
	assert.JSONEq(t, `"`+user.ID()+`"`, string(args[1]))
	assert.JSONEq(t, `["ping",{"n":1}]`, string(args[2]))

	user.Close()
	args = event(t, ui, "socket_disconnected")
	assert.JSONEq(t, `"`+s.ID+`"`, string(args[1]))
	// The Go client sends its DISCONNECT and closes the connection:
	// whichever the server sees first is the reason.
	assert.Contains(t, []string{`"client namespace disconnect"`, `"transport close"`}, string(args[2]))
}
