package rtkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/hub"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestBinaryReplayedAfterRecovery: an emit with Binary values missed while
// the client was away is kept in the delivery log (in its JSON form) and
// replayed with its attachments, like the live delivery before it.
func TestBinaryReplayedAfterRecovery(t *testing.T) {
	connects := make(chan *rtkit.Socket, 4)
	ns := filesNamespace(rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) { connects <- s }))
	ts := startWithNamespace(t, ns)
	c := ts.Dial(t, "/files", rtkittest.WithReconnection())
	box := rtkittest.Listen(c, fileShared)
	<-connects

	thumb := rtkit.Binary{7}
	require.NoError(t, rtkit.Emit(ns, fileShared, FileUpload{Name: "live", Data: rtkit.Binary{1, 2}, Thumb: &thumb}))
	got, err := box.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, FileUpload{Name: "live", Data: rtkit.Binary{1, 2}, Thumb: &thumb}, got)

	c.DropTransport()
	require.Eventually(t, func() bool { return ts.RT.Health(context.Background()).Sockets["/files"] == 0 },
		2*time.Second, 5*time.Millisecond)
	missed := FileUpload{Name: "missed", Data: rtkit.Binary{0, 255}, Parts: []rtkit.Binary{{3}, {}}}
	require.NoError(t, rtkit.Emit(ns, fileShared, missed))
	select {
	case s := <-connects:
		assert.True(t, s.Recovered())
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not reconnect")
	}
	got, err = box.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, missed, got, "replayed with its attachments")
}

// TestBinaryRegistrationRules: a Binary field takes no string constraint
// (its size is the event's MaxBinarySize), and the limit must be positive.
func TestBinaryRegistrationRules(t *testing.T) {
	type Tagged struct {
		Data rtkit.Binary `json:"data" jsonschema:"maxLength=10"`
	}
	ev := rtkit.NewEvent[Tagged, rtkit.NoAck]("tagged")
	assert.PanicsWithValue(t,
		`rtkit: namespace /b: event tagged: payload: field data (rtkit_test.Tagged.Data): jsonschema tag "maxLength=10": a Binary field takes no constraint but its size, set for the whole payload with rtkit.MaxBinarySize`,
		func() { rtkit.Emits(rtkit.NewNamespace("/b"), ev) })
	assert.Panics(t, func() { rtkit.MaxBinarySize(0) })

	type Described struct {
		Data rtkit.Binary `json:"data" jsonschema:"description=The file"`
	}
	assert.NotPanics(t, func() { rtkit.Emits(rtkit.NewNamespace("/b"), rtkit.NewEvent[Described, rtkit.NoAck]("described")) })
}

// TestBinaryOutgoingLimits: what the server sends is held to the same
// limits: an emit or an answer beyond them is refused, nothing is sent.
func TestBinaryOutgoingLimits(t *testing.T) {
	ns := filesNamespace()
	startWithNamespace(t, ns)
	err := rtkit.Emit(ns, fileShared, FileUpload{Name: "big", Data: make(rtkit.Binary, rtkit.DefaultMaxBinarySize+1)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "binary data larger than 1048576 bytes in total")

	err = rtkit.Emit(ns, fileShared, FileUpload{Name: "many", Data: rtkit.Binary{1}, Parts: make([]rtkit.Binary, rtkit.MaxBinaryValues)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "more than 10 binary values")

	require.NoError(t, rtkit.Emit(ns, fileShared, FileUpload{Name: "fits", Data: make(rtkit.Binary, rtkit.DefaultMaxBinarySize)}))
}

// TestBinaryNotPublishedToOtherProcesses: a Publisher carries JSON to
// other processes' sockets, which would receive base64 strings where the
// contract promises attachments: the emit is refused, nothing published.
func TestBinaryNotPublishedToOtherProcesses(t *testing.T) {
	ns := filesNamespace()
	var pub countingPublisher
	err := rtkit.Emit(ns.Via(&pub), fileShared, FileUpload{Name: "x", Data: rtkit.Binary{1}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach other servers' sockets")
	assert.Zero(t, pub.n)
}

type countingPublisher struct{ n int }

func (p *countingPublisher) Publish(context.Context, string, []string, []string, string, json.RawMessage) error {
	p.n++
	return errors.New("unused")
}

// TestBinaryGoClient: the Go test kit (package client underneath) sends
// Binary values as attachments and decodes those it receives, in payloads
// and acknowledgements, both ways.
func TestBinaryGoClient(t *testing.T) {
	ns := filesNamespace()
	ts := startWithNamespace(t, ns)
	c := ts.Dial(t, "/files")

	thumb := rtkit.Binary("t")
	out, err := rtkittest.Call(ctx5(t), c, fileUpload, FileUpload{Name: "go", Data: rtkit.Binary{1, 2, 3}, Thumb: &thumb})
	require.Nil(t, err)
	assert.Equal(t, FileStored{Name: "go", Size: 3, Echo: rtkit.Binary{3, 2, 1}}, out)

	_, err = rtkittest.Call(ctx5(t), c, fileUpload, FileUpload{Name: "big", Data: make(rtkit.Binary, binaryLimit+1)})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeValidation, err.Code)
	assert.Equal(t, []rtkit.ErrorDetail{{Path: "/data", Message: "binary data larger than 64 bytes in total"}}, err.Details)

	shared := rtkittest.Listen(c, fileShared)
	require.NoError(t, rtkittest.Send(c, fileShare, FileUpload{Name: "s", Data: rtkit.Binary("shared"), Parts: []rtkit.Binary{{9}}}))
	got, gerr := shared.Next(ctx5(t))
	require.NoError(t, gerr)
	assert.Equal(t, FileUpload{Name: "s", Data: rtkit.Binary("shared"), Parts: []rtkit.Binary{{9}}}, got)

	rtkittest.Answer(c, fileRequest, func(in FileAsk) FileBody { return FileBody{Data: rtkit.Binary("body of " + in.Name)} })
	answer, err := rtkittest.Call(ctx5(t), c, fileAsk, FileAsk{Name: "n"})
	require.Nil(t, err)
	assert.Equal(t, "body of n", answer.Text)
}

// TestBinaryAcrossServers: behind a cluster adapter (here the in-process
// hub), a broadcast with Binary values reaches the sockets of the other
// servers with its attachments, with recovery on and off, and so does a
// server → client emit with acknowledgement gathered across servers.
func TestBinaryAcrossServers(t *testing.T) {
	for name, opts := range map[string][]rtkit.ServerOption{"recovery": nil, "plain": {rtkit.WithRecovery(0)}} {
		t.Run(name, func(t *testing.T) {
			h := hub.New()
			nsA, nsB := filesNamespace(), filesNamespace()
			startWithNamespace(t, nsA, append([]rtkit.ServerOption{rtkit.WithAdapter(h.Adapter(false))}, opts...)...)
			tsB := startWithNamespace(t, nsB, append([]rtkit.ServerOption{rtkit.WithAdapter(h.Adapter(false))}, opts...)...)
			c := tsB.Dial(t, "/files")
			box := rtkittest.Listen(c, fileShared)
			rtkittest.Answer(c, fileRequest, func(in FileAsk) FileBody { return FileBody{Data: rtkit.Binary(in.Name)} })

			sent := FileUpload{Name: "x", Data: rtkit.Binary{0, 1, 255}, Parts: []rtkit.Binary{{7}}}
			require.NoError(t, rtkit.Emit(nsA, fileShared, sent))
			got, err := box.Next(ctx5(t))
			require.NoError(t, err)
			assert.Equal(t, sent, got)

			acks, err := rtkit.EmitWithAcks(ctx5(t), nsA.To(), fileRequest, FileAsk{Name: "remote"})
			require.NoError(t, err)
			require.Len(t, acks, 1)
			require.NoError(t, acks[0].Err)
			assert.Equal(t, rtkit.Binary("remote"), acks[0].Data.Data)
		})
	}
}
