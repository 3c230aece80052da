package adminui_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/adminui"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestTwoServersOverRedis: a UI connected to server A sees both servers'
// statistics and server B's sockets with their rooms and transport, and
// its join and disconnect reach B's socket through the adapter.
func TestTwoServersOverRedis(t *testing.T) {
	r := redistest.Start(t)
	cfgA, cfgB := credentials(), credentials()
	cfgA.ServerID, cfgB.ServerID = "server-a", "server-b"
	redisAdapter := func() rtkit.ServerOption {
		return rtkit.WithAdapter(adapter.Redis(r.Client(t), adapter.Options{Prefix: "adminui-test", Logger: slog.New(slog.DiscardHandler)}))
	}
	tsA, _ := start(t, cfgA, redisAdapter())
	tsB, appB := start(t, cfgB, redisAdapter())

	user := tsB.Dial(t, "/app")
	userID := user.ID()
	ui, frame := login(t, tsA, password(testUser, testPassword), nil)
	require.Contains(t, frame, "40/admin,")

	seen := map[string]adminui.ServerStats{}
	for len(seen) < 2 {
		args := event(t, ui, "server_stats")
		var st adminui.ServerStats
		require.NoError(t, json.Unmarshal(args[0], &st))
		seen[st.ServerID] = st
	}
	assert.Contains(t, seen["server-b"].Namespaces, adminui.NamespaceCount{Name: "/app", SocketsCount: 1}, "B's statistics")
	assert.Equal(t, 1, seen["server-b"].ClientsCount)

	var listed *uiSocket
	for listed == nil {
		listed = find(allSockets(t, ui), userID)
	}
	assert.Equal(t, "/app", listed.Nsp)
	assert.Equal(t, []string{userID, "team:blue"}, listed.Rooms)
	assert.Equal(t, "websocket", listed.Transport)
	assert.Len(t, listed.ClientID, 12)

	ui.Send(`42/admin,["join","/app","team:red","` + userID + `"]`)
	sock := socketOf(appB, userID)
	require.NotNil(t, sock)
	eventually(t, func() bool { return len(sock.Rooms()) == 2 }, "B's socket joined team:red")

	ui.Send(`42/admin,["_disconnect","/app",false,"` + userID + `"]`)
	eventually(t, func() bool { return !user.Connected() }, "B's socket is disconnected")
}

// TestSessionKnownToEveryServer: a UI that logged in on server A and
// reconnects to server B with its session id is admitted by B, which asks
// A; a made-up session id is refused by both. The question crosses Redis
// with the id's SHA-256, never the id itself.
func TestSessionKnownToEveryServer(t *testing.T) {
	r := redistest.Start(t)
	cfg := credentials()
	cfg.MaxFailures = 100
	redisAdapter := func() rtkit.ServerOption {
		return rtkit.WithAdapter(adapter.Redis(r.Client(t), adapter.Options{Prefix: "adminui-session", Logger: slog.New(slog.DiscardHandler)}))
	}
	tsA, _ := start(t, cfg, redisAdapter())
	tsB, _ := start(t, cfg, redisAdapter())

	// Every command Redis runs, to look for the session id in them.
	host, port, _ := net.SplitHostPort(r.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	var commands bytes.Buffer
	monitor := exec.CommandContext(ctx, "redis-cli", "-h", host, "-p", port, "monitor")
	out, err := monitor.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, monitor.Start())
	ready, read := make(chan struct{}), make(chan struct{})
	go func() { // commands is read once read is closed
		defer close(read)
		lines := bufio.NewScanner(out)
		lines.Buffer(nil, 1<<20)
		first := true
		for lines.Scan() {
			if first && lines.Text() == "OK" {
				close(ready)
				first = false
				continue
			}
			commands.WriteString(lines.Text() + "\n")
		}
	}()
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
		t.Fatal("MONITOR did not answer")
	}

	ui, frame := login(t, tsA, password(testUser, testPassword), nil)
	require.True(t, strings.HasPrefix(frame, "40/admin,"), frame)
	var session string
	require.NoError(t, json.Unmarshal(event(t, ui, "session")[0], &session))

	again, frame := login(t, tsB, map[string]any{"sessionId": session}, nil)
	require.True(t, strings.HasPrefix(frame, "40/admin,"), "B knows A's session: %s", frame)
	_, err = tryEvent(again, "session", 300*time.Millisecond)
	assert.Error(t, err, "no new session for a session login")

	for _, ts := range []*rtkittest.Server{tsA, tsB} {
		_, frame = login(t, ts, map[string]any{"sessionId": strings.Repeat("b", 32)}, nil)
		msg, _ := refusal(t, frame)
		assert.Equal(t, "invalid credentials", msg)
	}

	sum := sha256.Sum256([]byte(session))
	key := hex.EncodeToString(sum[:])
	cancel()
	<-read
	_ = monitor.Wait()
	assert.NotContains(t, commands.String(), session, "the session id crossed Redis")
	assert.Contains(t, commands.String(), key, "the question crossed Redis with the id's hash")
}
