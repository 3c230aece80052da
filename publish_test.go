package rtkit_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
)

// recordingPublisher stands in for a transport to other processes: what
// matters here is what rtkit hands it.
type recordingPublisher struct {
	mu    sync.Mutex
	calls []string
}

func (p *recordingPublisher) Publish(_ context.Context, ns string, rooms, except []string, event string, payload json.RawMessage) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, _ := json.Marshal([]any{ns, rooms, except, event, payload})
	p.calls = append(p.calls, string(b))
	return nil
}

func TestEmitViaPublisherValidatesAgainstTheContract(t *testing.T) {
	ns := newTestNamespace() // never mounted here: another process serves it
	pub := &recordingPublisher{}
	require.NoError(t, rtkit.Emit(ns.Via(pub).To("channel:a").Except("channel:b"), evNote, Note{Seq: 1, Text: "hi"}))
	require.NoError(t, rtkit.Emit(ns.Via(pub), evNote, Note{Seq: 2}))

	err := rtkit.Emit(ns.Via(pub), evNote, Note{Text: string(make([]byte, 101))})
	require.Error(t, err, "the payload is validated before anything is published")
	assert.ErrorIs(t, rtkit.Emit(ns.Via(pub), evSubscribe, SubscribeIn{Channel: "x"}), rtkit.ErrNotDeclared)

	assert.Equal(t, []string{
		`["/test",["channel:a"],["channel:b"],"note",{"seq":1,"text":"hi"}]`,
		`["/test",null,null,"note",{"seq":2,"text":""}]`,
	}, pub.calls)
}
