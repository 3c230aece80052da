package adapter_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
)

// TestHostilePublisher: whatever a client of the Redis prefix publishes
// that no Node package writes (garbage, truncated MessagePack, lengths
// beyond the message, deep nesting, another namespace, a forged sender
// id) is dropped; the namespace goes on receiving, and nothing reaches
// rtkit but the valid messages.
func TestHostilePublisher(t *testing.T) {
	for _, classic := range []bool{false, true} {
		t.Run(map[bool]string{false: "Sharded", true: "Classic"}[classic], func(t *testing.T) {
			r := redistest.Start(t)
			rdb := r.Client(t)
			ctx := context.Background()
			a := adapter.Redis(rdb, adapter.Options{Classic: classic, Logger: quiet()})
			t.Cleanup(func() { _ = a.Close(ctx) })
			rec := newRecorder()
			ns, err := a.Open(ctx, "/chat", rec)
			require.NoError(t, err)
			t.Cleanup(func() { _ = ns.Close() })

			bad := [][]byte{
				nil, []byte("{"), []byte("not json"), {0xc1}, {0x84, 0xa3, 'u'},
				{0xdf, 0xff, 0xff, 0xff, 0xff},                // a map claiming 4 billion entries
				{0xc6, 0x7f, 0xff, 0xff, 0xff},                // binary claiming 2 GiB
				[]byte(strings.Repeat("\x91", 5000) + "\xc0"), // arrays nested 5,000 deep
				[]byte(`{"uid":"x","nsp":"/other","type":3,"data":{"packet":{"type":2,"data":["e"]},"opts":{"rooms":[],"except":[]}}}`),
				[]byte(`{"uid":"x","nsp":"/chat","type":3,"data":{"packet":{"type":2,"data":[1]},"opts":{"rooms":[],"except":[]}}}`),
				[]byte(`{"uid":"x","nsp":"/chat","type":77,"data":{}}`),
				[]byte(`{"type":2,"opts":{"rooms":[{}],"except":[]},"rooms":["r"]}`),
			}
			channels := []string{"socket.io#/chat#", "socket.io-request#/chat#", "socket.io#/chat#room#", "socket.io-response#/chat#"}
			for _, b := range bad {
				for _, ch := range channels {
					require.NoError(t, rdb.Publish(ctx, ch, b).Err())
					require.NoError(t, rdb.SPublish(ctx, ch, b).Err())
				}
			}
			// Then a valid broadcast, from the emitter of the same mode.
			em := adapter.NewEmitter(rdb, adapter.Options{Classic: classic})
			require.NoError(t, em.Publish(ctx, "/chat", []string{"r:1"}, nil, "note:new", json.RawMessage(`{"text":"ok"}`)))
			c, ok := rec.next(5 * time.Second)
			require.True(t, ok, "the namespace still receives")
			assert.Equal(t, "deliver", c.op)
			assert.Equal(t, []any{"note:new", json.RawMessage(`{"text":"ok"}`)}, c.args)
			_, more := rec.next(300 * time.Millisecond)
			assert.False(t, more, "nothing else reached rtkit")
			assert.True(t, a.State(ctx).Healthy)
		})
	}
}
