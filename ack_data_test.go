package rtkit_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/proctest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// Event middleware that returns acknowledgement data that is not JSON gets
// no acknowledgement sent, and the operator reads why; the socket goes on.
func TestAckDataNotJSONIsNotSent(t *testing.T) {
	logs := &proctest.Buffer{}
	ns := rtkit.NewNamespace("/bad", rtkit.WithMiddleware(func(next rtkit.HandlerFunc) rtkit.HandlerFunc {
		return func(ctx context.Context, s *rtkit.Socket, req *rtkit.Request) (json.RawMessage, error) {
			if req.Event.Name == evInlineSeq.Name() {
				return next(ctx, s, req)
			}
			return json.RawMessage(`{"unfinished":`), nil
		}
	}))
	rtkit.Handle(ns, evInlineSeq, func(_ context.Context, _ *rtkit.Socket, in Note) (Answer, error) { return Answer{A: in.Seq}, nil })
	rtkit.Handle(ns, evInlineFree, func(_ context.Context, _ *rtkit.Socket, in Note) (Answer, error) { return Answer{A: in.Seq}, nil })
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	srv.Mount(ns)
	c := rtkittest.Start(t, srv).Dial(t, "/bad")
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := rtkittest.Call(ctx, c, evInlineFree, Note{Seq: i})
		cancel()
		require.NotNil(t, err)
		assert.Equal(t, rtkit.CodeTimeout, err.Code, "no acknowledgement arrives")
		out, err := rtkittest.Call(ctx5(t), c, evInlineSeq, Note{Seq: i})
		require.Nil(t, err)
		assert.Equal(t, i, out.A)
	}
	assert.Contains(t, logs.String(), "unencodable acknowledgement")
}
