package rtkit

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/sioproto"
)

// An acknowledgement encoded already takes the short path with the same
// bytes as the general one; one that is not valid JSON is refused, as
// encoding/json refuses it, instead of reaching the client.
func TestEncodeAckShortPath(t *testing.T) {
	for _, payload := range []string{`{"success":true}`, `{"success":true,"data":{"a":[1,2,"x"]}}`, `null`} {
		got, atts, err := encodePacket(nil, sioproto.Ack, "/chat", 7, []any{json.RawMessage(payload)})
		require.NoError(t, err)
		require.Nil(t, atts)
		data, err := json.Marshal([]any{json.RawMessage(payload)})
		require.NoError(t, err)
		require.Equal(t, string(sioproto.Append(nil, sioproto.Ack, "/chat", 7, 0, data)), string(got))
	}
	_, _, err := encodePacket(nil, sioproto.Ack, "/", 1, []any{json.RawMessage(`{"success":`)})
	require.Error(t, err)
}

// A success acknowledgement written straight into its packet has the bytes
// the general path gives the envelope built first.
func TestSuccessAckMatchesGeneralPath(t *testing.T) {
	long := `{"s":"` + strings.Repeat("x", 400) + `"}`
	for _, data := range []json.RawMessage{nil, json.RawMessage(`{}`), json.RawMessage(`{"a":[1,2,"x"],"b":null}`), json.RawMessage(long)} {
		for _, nsp := range []string{"/", "/chat"} {
			for _, id := range []int64{0, 7, 1 << 40} {
				env := successEmpty
				if data != nil {
					env = json.RawMessage(`{"success":true,"data":` + string(data) + `}`)
				}
				want, _, err := encodePacket(nil, sioproto.Ack, nsp, id, []any{env})
				require.NoError(t, err)
				var buf [256]byte
				require.Equal(t, string(want), string(appendSuccessAck(buf[:0], nsp, id, data)))
			}
		}
	}
}
