package auth_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

type PurgeIn struct {
	Before int `json:"before" jsonschema:"minimum=0"`
}

var evPurge = rtkit.NewEvent[PurgeIn, rtkit.NoAck]("admin:purge", auth.RequireRole("admin", "owner"))

func TestRequireRole(t *testing.T) {
	var ran atomic.Int64
	ns := whoNamespace("/p")
	rtkit.Handle(ns, evPurge, func(context.Context, *rtkit.Socket, PurgeIn) (rtkit.NoAck, error) {
		ran.Add(1)
		return rtkit.NoAck{}, nil
	})
	a := users(map[string]auth.Principal{
		"admin":  {UserID: "u1", Role: "admin"},
		"owner":  {UserID: "u2", Role: "editor,owner"},
		"reader": {UserID: "u3", Role: "reader"},
	})
	ts, logs := start(t, optional(a), ns)

	for _, tok := range []string{"admin", "owner"} {
		_, err := rtkittest.Call(ctx5(t), ts.Dial(t, "/p", token(tok)), evPurge, PurgeIn{})
		require.Nil(t, err, tok)
	}
	assert.EqualValues(t, 2, ran.Load())

	reader := ts.Dial(t, "/p", token("reader"))
	_, err := rtkittest.Call(ctx5(t), reader, evPurge, PurgeIn{})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeForbidden, err.Code)
	assert.Equal(t, "Insufficient role", err.Message)
	assert.Contains(t, logs.String(), "role missing")

	// Checked before validation: an invalid payload from a reader is
	// FORBIDDEN too, and the handler never runs.
	env, cerr := rtkittest.CallRaw(ctx5(t), reader, "admin:purge", map[string]any{"before": -1})
	require.Nil(t, cerr)
	assert.Equal(t, rtkit.CodeForbidden, env.Error.Code)

	anon := ts.Dial(t, "/p")
	_, err = rtkittest.Call(ctx5(t), anon, evPurge, PurgeIn{})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeUnauthorized, err.Code)
	assert.EqualValues(t, 2, ran.Load())

	// Events without a role requirement are open to everyone.
	assert.False(t, whoami(t, anon).Authenticated)
	assert.Panics(t, func() { auth.RequireRole() })
}

func TestRequireRoleInTheSpec(t *testing.T) {
	ns := rtkit.NewNamespace("/admin")
	rtkit.Handle(ns, evPurge, func(context.Context, *rtkit.Socket, PurgeIn) (rtkit.NoAck, error) {
		return rtkit.NoAck{}, nil
	})
	srv := rtkit.NewServer()
	srv.Mount(ns)
	defer func() { _ = srv.Shutdown(context.Background()) }()
	ev := srv.Spec().Namespaces[0].Events[0]
	assert.Equal(t, []string{"admin", "owner"}, ev.Annotations["roles"])
	assert.Contains(t, ev.Errors, rtkit.CodeForbidden, "the role check's codes are listed")
	assert.Contains(t, ev.Errors, rtkit.CodeUnauthorized)
}
