package rtkit

import (
	"encoding/json"
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
