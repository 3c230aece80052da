package rtkit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestBroadcastSelection checks which sockets a room emit reaches, with
// rtkit's own local delivery: recovery off (the in-memory adapter with
// rtkit's Broadcast) and on (delivered by the recovery adapter). Each
// socket must get exactly the emits whose selection includes it, once,
// in order.
func TestBroadcastSelection(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []rtkit.ServerOption
	}{
		{"recovery off", []rtkit.ServerOption{rtkit.WithRecovery(0)}},
		{"recovery on", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newTestNamespace()
			ts := startWithNamespace(t, ns, tc.opts...)
			a, b, c := ts.Dial(t, "/test"), ts.Dial(t, "/test"), ts.Dial(t, "/test")
			join := func(cl *rtkittest.Client, channels ...string) {
				t.Helper()
				for _, ch := range channels {
					_, err := rtkittest.Call(ctx5(t), cl, evSubscribe, SubscribeIn{Channel: ch})
					require.Nil(t, err)
				}
			}
			join(a, "x", "y")
			join(b, "y", "muted")
			boxes := map[string]*rtkittest.Inbox[Note]{
				"a": rtkittest.Listen(a, evNote),
				"b": rtkittest.Listen(b, evNote),
				"c": rtkittest.Listen(c, evNote),
			}

			// 1: two rooms, a is in both: once; b is excluded.
			require.NoError(t, rtkit.Emit(ns.To("channel:x", "channel:y").Except("channel:muted"), evNote, Note{Seq: 1}))
			// 2: one room.
			require.NoError(t, rtkit.Emit(ns.To("channel:y"), evNote, Note{Seq: 2}))
			// 3: a room nobody is in.
			require.NoError(t, rtkit.Emit(ns.To("channel:none"), evNote, Note{Seq: 3}))
			// 4: the namespace minus a room.
			require.NoError(t, rtkit.Emit(ns.To().Except("channel:x"), evNote, Note{Seq: 4}))
			// 5: every socket, the end marker.
			require.NoError(t, rtkit.Emit(ns, evNote, Note{Seq: 5}))

			want := map[string][]int{"a": {1, 2, 5}, "b": {2, 4, 5}, "c": {4, 5}}
			for name, box := range boxes {
				var got []int
				for len(got) == 0 || got[len(got)-1] != 5 {
					n, err := box.Next(ctx5(t))
					require.NoError(t, err, "socket %s after %v", name, got)
					got = append(got, n.Seq)
				}
				assert.Equal(t, want[name], got, "socket %s", name)
			}
			// Nothing after the end marker.
			time.Sleep(50 * time.Millisecond)
			for name, box := range boxes {
				assert.Zero(t, box.Len(), "socket %s got more", name)
			}
		})
	}
}
