package adapter_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestClusterOperationsAcrossNodes: joins, leaves and disconnects decided
// on one server reach the sockets of another.
func TestClusterOperationsAcrossNodes(t *testing.T) {
	r := redistest.Start(t)
	a := redisNode(t, r, adapter.Options{})
	b := redisNode(t, r, adapter.Options{})
	onB := b.dial(t, "r:1")
	inbox := rtkittest.Listen(onB, noteNew)

	require.Eventually(t, func() bool {
		a.ns.To("r:1").Join("r:2")
		if err := rtkit.Emit(a.ns.To("r:2"), noteNew, Note{Text: "joined"}); err != nil {
			return false
		}
		got, err := next(inbox, 200*time.Millisecond)
		return err == nil && got.Text == "joined"
	}, 5*time.Second, 50*time.Millisecond, "a join decided on A reaches B's socket")

	a.ns.To("r:1").Leave("r:2")
	time.Sleep(100 * time.Millisecond) // the leave travels through Redis
	require.NoError(t, rtkit.Emit(a.ns.To("r:2"), noteNew, Note{Text: "left"}))
	require.NoError(t, rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: "still in r:1"}))
	got, err := next(inbox, 3*time.Second)
	for err == nil && got.Text == "joined" { // late copies of the first check's emits
		got, err = next(inbox, 3*time.Second)
	}
	require.NoError(t, err)
	assert.Equal(t, "still in r:1", got.Text, "the leave reached B")

	a.ns.To("r:1").Disconnect()
	require.Eventually(t, func() bool { return !onB.Connected() }, 5*time.Second, 20*time.Millisecond,
		"a disconnect decided on A reaches B's socket")
}
