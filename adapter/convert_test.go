package adapter

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter/internal/wire"
)

// TestSocketAdminFields: a socket's transport and client id travel in its
// data where Node's Admin UI server keeps them (_admin), and come back;
// what another server puts there is taken only when it makes sense.
func TestSocketAdminFields(t *testing.T) {
	s := rtkit.RemoteSocket{ID: "s1", Rooms: []string{"r"}, Address: "127.0.0.1", Connected: time.UnixMilli(1_700_000_000_000),
		Transport: rtkit.WebSocket, ClientID: "0123456789ab"}
	w := toWireSocket(s)
	assert.JSONEq(t, `{"_admin":{"clientId":"0123456789ab","transport":"websocket"}}`, string(w.Data))
	back := fromWireSocket(w)
	assert.Equal(t, rtkit.WebSocket, back.Transport)
	assert.Equal(t, "0123456789ab", back.ClientID)

	assert.JSONEq(t, `{}`, string(toWireSocket(rtkit.RemoteSocket{ID: "s2"}).Data), "nothing to say: empty data")

	for _, data := range []string{`{"_admin":{"transport":"carrier-pigeon","clientId":"` + strings.Repeat("x", 65) + `"}}`,
		`{"_admin":"nope"}`, `[1,2]`, `null`, `"x"`} {
		got := fromWireSocket(wire.Socket{ID: "s3", Data: json.RawMessage(data)})
		assert.Empty(t, got.Transport, data)
		assert.Empty(t, got.ClientID, data)
	}
}
