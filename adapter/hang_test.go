package adapter_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	rds "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestRedisHangBoundsCommands stops redis-server with SIGSTOP: it keeps
// accepting connections and answers nothing, unlike a Redis that is down.
// A cluster request (Rooms.Count), a broadcast, an emitter's publish and
// a health check each end within about Options.Timeout, with an error
// where the API returns one; local delivery goes on; after SIGCONT,
// cross-node delivery and health come back by themselves. For the client
// FromURL creates (ContextTimeoutEnabled) and for a caller's client
// without that option, whose commands the adapter stops waiting for.
func TestRedisHangBoundsCommands(t *testing.T) {
	opts := adapter.Options{Timeout: redistest.HangTimeout, Logger: quiet()}
	for _, tc := range []struct {
		name   string
		client func(t *testing.T, r *redistest.Server) (rtkit.Adapter, rds.UniversalClient)
	}{
		{"FromURL", func(t *testing.T, r *redistest.Server) (rtkit.Adapter, rds.UniversalClient) {
			a, err := adapter.FromURL(r.URL(), opts)
			require.NoError(t, err)
			o, err := rds.ParseURL(r.URL())
			require.NoError(t, err)
			o.ContextTimeoutEnabled = true
			c := rds.NewClient(o)
			t.Cleanup(func() { _ = c.Close() })
			return a, c
		}},
		{"ClientWithoutContextTimeout", func(t *testing.T, r *redistest.Server) (rtkit.Adapter, rds.UniversalClient) {
			c := r.Client(t)
			return adapter.Redis(c, opts), c
		}},
		{"ClientWithoutContextTimeoutPipeline", func(t *testing.T, r *redistest.Server) (rtkit.Adapter, rds.UniversalClient) {
			c := r.Client(t)
			o := opts
			o.Pipeline = true
			return adapter.Redis(c, o), c
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := redistest.Start(t)
			ad, client := tc.client(t, r)
			a := startNode(t, ad, nil)
			b := redisNode(t, r, opts)
			em := adapter.NewEmitter(client, opts)
			local, remote := a.dial(t, "r:1"), b.dial(t, "r:1")
			inLocal, inRemote := rtkittest.Listen(local, noteNew), rtkittest.Listen(remote, noteNew)

			require.NoError(t, rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: "before"}))
			requireNote(t, "before", inLocal, inRemote)

			r.Freeze()

			// The first command after the hang: nothing fails fast yet.
			var n int
			redistest.FailsWithin(t, "Rooms.Count", func() error {
				var err error
				n, err = a.count("r:1", 5*time.Second)
				return err
			})
			assert.Equal(t, 1, n, "with the sockets of this server")

			// Past the fast-failure window, so that the emit waits for Redis.
			time.Sleep(300 * time.Millisecond)
			began := time.Now()
			require.NoError(t, rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: "hung"}))
			assert.Less(t, time.Since(began), redistest.HangBound, "emit bounded by Options.Timeout")
			got, err := next(inLocal, time.Second)
			require.NoError(t, err, "local delivery does not wait for Redis")
			assert.Equal(t, "hung", got.Text)

			err = redistest.FailsWithin(t, "the emitter's publish", func() error {
				return rtkit.Emit(a.ns.Via(em).To("r:1"), noteNew, Note{Text: "emitter"})
			})
			assert.ErrorIs(t, err, adapter.ErrUnavailable)

			began = time.Now()
			assert.False(t, ad.State(context.Background()).Healthy, "State reports the hang")
			assert.Less(t, time.Since(began), redistest.HangBound, "State bounded by Options.Timeout")

			r.Thaw()
			i := 0
			require.Eventually(t, func() bool {
				i++
				_ = rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: fmt.Sprint("after-", i)})
				for inRemote.Len() > 0 {
					if n, err := next(inRemote, time.Second); err == nil && len(n.Text) > 5 && n.Text[:5] == "after" {
						return true
					}
				}
				return false
			}, 10*time.Second, 100*time.Millisecond, "cross-node delivery resumes after SIGCONT")
			require.Eventually(t, func() bool {
				return a.srv.RT.Health(context.Background()).Status == "ok"
			}, 5*time.Second, 50*time.Millisecond, "health comes back")
			n, err = a.count("r:1", 5*time.Second)
			require.NoError(t, err)
			assert.Equal(t, 2, n, "a cluster request reaches the other server again")
			require.NoError(t, rtkit.Emit(a.ns.Via(em).To("r:1"), noteNew, Note{Text: "emitter"}), "the emitter publishes again")
		})
	}
}
