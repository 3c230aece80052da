package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// expiring is a Func authenticator whose tokens name a lifetime: "alice"
// lives 300 ms, "alice-long" 2 s, "bob" is another user.
func expiring() auth.Func {
	return func(_ context.Context, c auth.Credentials) (auth.Principal, error) {
		p := auth.Principal{UserID: "u1", SessionID: "s1"}
		switch c.Token() {
		case "alice":
			p.ExpiresAt = time.Now().Add(300 * time.Millisecond)
		case "alice-long":
			p.ExpiresAt = time.Now().Add(2 * time.Second)
		case "alice-forever":
		case "bob":
			p.UserID = "u2"
		default:
			return auth.Principal{}, auth.ErrInvalidCredentials
		}
		return p, nil
	}
}

func TestExpiryDisconnectsAfterNotice(t *testing.T) {
	ts, _ := start(t, required(expiring()), whoNamespace("/p"))
	begin := time.Now()
	c := ts.Dial(t, "/p", token("alice"))
	notices := rtkittest.Listen(c, auth.ExpiredEvent)
	gone := disconnected(c)

	n, err := notices.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, auth.ExpiredNotice{Reason: "expired"}, n)
	serverDisconnected(t, gone, "not disconnected at expiry")
	elapsed := time.Since(begin)
	assert.GreaterOrEqual(t, elapsed, 250*time.Millisecond)
	assert.Less(t, elapsed, 1500*time.Millisecond)
}

func TestRefreshExtendsALiveSocket(t *testing.T) {
	ts, _ := start(t, required(expiring()), whoNamespace("/p"))
	c := ts.Dial(t, "/p", token("alice"))
	notices := rtkittest.Listen(c, auth.ExpiredEvent)

	out, err := rtkittest.Call(ctx5(t), c, auth.RefreshEvent, auth.RefreshIn{Token: "alice-long"})
	require.Nil(t, err)
	require.NotNil(t, out.ExpiresAt)
	assert.WithinDuration(t, time.Now().Add(2*time.Second), *out.ExpiresAt, 500*time.Millisecond)

	time.Sleep(500 * time.Millisecond) // past the first expiry
	assert.True(t, c.Connected())
	assert.Zero(t, notices.Len())
	assert.Equal(t, out.ExpiresAt.UTC(), whoami(t, c).ExpiresAt.UTC(), "handlers see the new expiry")

	// A refresh to a principal without expiry ends the timer.
	out, err = rtkittest.Call(ctx5(t), c, auth.RefreshEvent, auth.RefreshIn{Token: "alice-forever"})
	require.Nil(t, err)
	assert.Nil(t, out.ExpiresAt)
	assert.True(t, whoami(t, c).ExpiresAt.IsZero())
}

func TestRefreshRefused(t *testing.T) {
	ts, logs := start(t, required(expiring()), whoNamespace("/p"))
	c := ts.Dial(t, "/p", token("alice-long"))
	before := whoami(t, c)
	for tok, logged := range map[string]string{"forged": "invalid credentials", "bob": "another user"} {
		_, err := rtkittest.Call(ctx5(t), c, auth.RefreshEvent, auth.RefreshIn{Token: tok})
		require.NotNil(t, err, tok)
		assert.Equal(t, rtkit.CodeUnauthorized, err.Code)
		assert.Equal(t, "Invalid session", err.Message)
		assert.Contains(t, logs.String(), logged)
	}
	_, err := rtkittest.Call(ctx5(t), c, auth.RefreshEvent, auth.RefreshIn{})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeValidation, err.Code, "the payload is typed and validated")
	assert.Equal(t, before, whoami(t, c), "a refused refresh leaves the socket as it was")
}

func TestOptionalSocketAuthenticatesByRefresh(t *testing.T) {
	ts, _ := start(t, optional(expiring()), whoNamespace("/p"))
	c := ts.Dial(t, "/p")
	assert.False(t, whoami(t, c).Authenticated)
	_, err := rtkittest.Call(ctx5(t), c, auth.RefreshEvent, auth.RefreshIn{Token: "alice"})
	require.Nil(t, err)
	assert.Equal(t, "u1", whoami(t, c).UserID)
	// Its expiry applies from then on.
	notices := rtkittest.Listen(c, auth.ExpiredEvent)
	n, nerr := notices.Next(ctx5(t))
	require.NoError(t, nerr)
	assert.Equal(t, "expired", n.Reason)
}
