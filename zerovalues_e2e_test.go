package rtkit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

type zeroItem struct {
	Tags []string `json:"tags"`
}

type zeroBoard struct {
	Title  string            `json:"title"`
	Items  []zeroItem        `json:"items"`
	Labels map[string]string `json:"labels"`
	Owner  *zeroItem         `json:"owner"`
	Note   *string           `json:"note,omitempty"`
	Hidden []string          `json:"hidden,omitempty"`
}

type zeroQuery struct {
	Owner *string  `json:"owner"`
	IDs   []string `json:"ids"`
}

type zeroSeen struct {
	OwnerNil bool `json:"ownerNil"`
}

var (
	evZeroGet  = rtkit.NewEvent[zeroQuery, zeroBoard]("zero:get")
	evZeroSeen = rtkit.NewEvent[zeroQuery, zeroSeen]("zero:seen")
	evZeroNew  = rtkit.NewEvent[zeroBoard, rtkit.NoAck]("zero:new")
	// What a client sees of zero:new, without Go's types in between.
	evZeroNewRaw = rtkit.NewEvent[map[string]any, rtkit.NoAck]("zero:new")
)

func startZero(t *testing.T) *rtkittest.Client {
	ns := rtkit.NewNamespace("/zero")
	rtkit.Emits(ns, evZeroNew)
	rtkit.Handle(ns, evZeroGet, func(_ context.Context, s *rtkit.Socket, _ zeroQuery) (zeroBoard, error) {
		// Go's zero values all the way: a nil slice, a nil map, a nil
		// pointer, and the same again as an emitted event.
		if err := rtkit.Emit(s, evZeroNew, zeroBoard{}); err != nil {
			return zeroBoard{}, err
		}
		return zeroBoard{}, nil
	})
	rtkit.Handle(ns, evZeroSeen, func(_ context.Context, _ *rtkit.Socket, in zeroQuery) (zeroSeen, error) {
		return zeroSeen{OwnerNil: in.Owner == nil}, nil
	})
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()))
	srv.Mount(ns)
	return rtkittest.Start(t, srv).Dial(t, "/zero")
}

func TestZeroValuesReachTheClientAsTheSchemaSays(t *testing.T) {
	c := startZero(t)
	inbox := rtkittest.Listen(c, evZeroNewRaw)
	env, err := rtkittest.CallRaw(ctx5(t), c, "zero:get", map[string]any{"owner": nil, "ids": []any{}})
	require.Nil(t, err)
	require.True(t, env.Success, "a handler returning zero values gets no INTERNAL: %+v", env.Error)
	const want = `{"title":"","items":[],"labels":{},"owner":null}`
	assert.JSONEq(t, want, string(env.Data), "acknowledgement")

	got, err2 := inbox.Next(ctx5(t))
	require.NoError(t, err2)
	assert.Equal(t, map[string]any{"title": "", "items": []any{}, "labels": map[string]any{}, "owner": nil}, got, "emitted event")
}

func TestNullFromClientFollowsTheSchema(t *testing.T) {
	c := startZero(t)
	out, err := rtkittest.Call(ctx5(t), c, evZeroSeen, zeroQuery{IDs: []string{}})
	require.Nil(t, err)
	assert.True(t, out.OwnerNil, "null for a pointer field reaches the handler as nil")

	werr := failure(t, c, "zero:seen", map[string]any{"owner": "x", "ids": nil})
	assert.Equal(t, rtkit.CodeValidation, rtkit.Code(werr.Code))
	require.Len(t, werr.Details, 1)
	assert.Equal(t, "/ids", werr.Details[0].Path, "null for a slice field is refused")

	werr = failure(t, c, "zero:seen", map[string]any{"ids": []any{}})
	require.Len(t, werr.Details, 1)
	assert.Equal(t, "/owner", werr.Details[0].Path, "a pointer without omitempty is still required")
	assert.Equal(t, "is required", werr.Details[0].Message)
}
