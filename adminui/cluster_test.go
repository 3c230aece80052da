package adminui_test

import (
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/adminui"
	"github.com/rtkit-go/rtkit/internal/redistest"
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
