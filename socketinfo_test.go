package rtkit_test

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestSocketTransportAndClientID: a socket reports its connection's
// transport, and a client id of 12 hexadecimal digits that differs
// between connections; Fetch carries both.
func TestSocketTransportAndClientID(t *testing.T) {
	ns := rtkit.NewNamespace("/info")
	ts := startWithNamespace(t, ns)
	ws := ts.Dial(t, "/info")
	polling := ts.Dial(t, "/info", rtkittest.WithPolling())

	byID := map[string]*rtkit.Socket{}
	for s := range ns.Sockets() {
		byID[s.ID()] = s
	}
	require.Len(t, byID, 2)
	assert.Equal(t, rtkit.WebSocket, byID[ws.ID()].Transport())
	// The polling client upgrades when it can; either is its transport.
	assert.Contains(t, []rtkit.Transport{rtkit.Polling, rtkit.WebSocket}, byID[polling.ID()].Transport())

	a, b := byID[ws.ID()].ClientID(), byID[polling.ID()].ClientID()
	for _, id := range []string{a, b} {
		_, err := hex.DecodeString(id)
		assert.NoError(t, err)
		assert.Len(t, id, 12)
	}
	assert.NotEqual(t, a, b, "two connections, two client ids")

	infos, err := ns.To().Fetch(ctx5(t))

	require.NoError(t, err)
	require.Len(t, infos, 2)
	for _, info := range infos {
		assert.Contains(t, []rtkit.Transport{rtkit.Polling, rtkit.WebSocket}, info.Transport)
		assert.Equal(t, byID[info.ID].ClientID(), info.ClientID)
	}
}
