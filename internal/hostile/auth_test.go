package hostile_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/hostile"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// signed mints a token with claims, header kid and method of the
// caller's choosing.
func signed(t *testing.T, m jwt.SigningMethod, kid string, k any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(k)
	require.NoError(t, err)
	return s
}

func claimsFor(u string, edit func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"sub": u, "sid": "s-" + u, "iss": hostile.Issuer, "aud": hostile.Audience,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if edit != nil {
		edit(c)
	}
	return c
}

// TestForgedTokens presents tokens an attacker can make without the key:
// each is refused with UNAUTHORIZED before the namespace is joined.
func TestForgedTokens(t *testing.T) {
	s := start(t, nil)
	bystander := s.dial(t, user())
	u := user()
	good := token(u)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(
		fmt.Sprintf(`{"sub":"admin","sid":"s-%s","iss":%q,"aud":%q,"exp":%d}`, u, hostile.Issuer, hostile.Audience,
			time.Now().Add(time.Hour).Unix()))) + "." + parts[2]
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"k1"}`)) + "." + parts[1] + "."
	cases := map[string]string{
		"other key":            signed(t, jwt.SigningMethodHS256, "k1", []byte("another-key-0123456789abcdef012345"), claimsFor(u, nil)),
		"alg none":             none,
		"unknown kid":          signed(t, jwt.SigningMethodHS256, "k2", key, claimsFor(u, nil)),
		"no kid":               signed(t, jwt.SigningMethodHS256, "", key, claimsFor(u, nil)),
		"HS512 with HS256 key": signed(t, jwt.SigningMethodHS512, "k1", key, claimsFor(u, nil)),
		"tampered claims":      tampered,
		"expired":              signed(t, jwt.SigningMethodHS256, "k1", key, claimsFor(u, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })),
		"no expiry":            signed(t, jwt.SigningMethodHS256, "k1", key, claimsFor(u, func(c jwt.MapClaims) { delete(c, "exp") })),
		"not yet valid":        signed(t, jwt.SigningMethodHS256, "k1", key, claimsFor(u, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })),
		"other audience":       signed(t, jwt.SigningMethodHS256, "k1", key, claimsFor(u, func(c jwt.MapClaims) { c["aud"] = "admin-api" })),
		"other issuer":         signed(t, jwt.SigningMethodHS256, "k1", key, claimsFor(u, func(c jwt.MapClaims) { c["iss"] = "evil" })),
		"no subject":           signed(t, jwt.SigningMethodHS256, "k1", key, claimsFor(u, func(c jwt.MapClaims) { delete(c, "sub") })),
		"garbage":              "not.a.token",
		"8 kB of junk":         strings.Repeat("A", 8<<10),
		"64 kB of junk":        strings.Repeat("A", 60<<10),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			c := sioraw.Dial(t, s.URL, nil)
			reply := c.Connect(hostile.Namespace, map[string]any{"token": tok})
			assert.True(t, strings.HasPrefix(reply, `44/app,{`), reply)
			// A token beyond 8 kB is not even read: no credentials.
			assert.Regexp(t, `"message":"(Invalid session|Authentication required)"`, reply)
			assert.Contains(t, reply, `"code":"UNAUTHORIZED"`)
		})
	}
	t.Run("token of the wrong type", func(t *testing.T) {
		c := sioraw.Dial(t, s.URL, nil)
		for _, auth := range []any{map[string]any{"token": 42}, map[string]any{"token": []any{good}}, map[string]any{"token": map[string]any{"t": good}}} {
			reply := c.Connect(hostile.Namespace, auth)
			assert.Contains(t, reply, `"code":"UNAUTHORIZED"`, reply)
		}
	})
	s.healthy(t, bystander)
}

// TestEventsBeforeAuthentication sends events to the namespace without
// joining it, and after a refused CONNECT: none is handled or answered.
func TestEventsBeforeAuthentication(t *testing.T) {
	s := start(t, nil)
	bystander := s.dial(t, user())
	inbox := rtkittest.Listen(bystander, hostile.Said)

	c := sioraw.Dial(t, s.URL, nil)
	c.Send(`42/app,1["echo",{"text":"sneaky"}]`)
	c.Send(`42/app,["room:say",{"room":"lobby","text":"sneaky"}]`)
	for f, err := c.TryRead(time.Second); err == nil; f, err = c.TryRead(time.Second) {
		assert.NotContains(t, f, "43/app,1", "an event before CONNECT is not handled")
	}

	c = sioraw.Dial(t, s.URL, nil)
	reply := c.Connect(hostile.Namespace, map[string]any{"token": "forged"})
	require.Contains(t, reply, "UNAUTHORIZED")
	c.Send(`42/app,2["echo",{"text":"sneaky"}]`)
	for f, err := c.TryRead(time.Second); err == nil; f, err = c.TryRead(time.Second) {
		assert.NotContains(t, f, "43/app,2", "an event after a refused CONNECT is not handled")
	}

	// Nothing the intruders sent reached the lobby (the bystander has
	// listened since before they spoke).
	s.healthy(t, bystander)
	assert.Equal(t, 0, inbox.Len())
}

// TestReplayedTokens replays tokens the server has stopped accepting: of a
// revoked session, of an expired one, and another user's token through
// auth:refresh.
func TestReplayedTokens(t *testing.T) {
	s := start(t, nil)
	u := user()
	tok := token(u)
	c := sioraw.Join(t, s.URL, hostile.Namespace, map[string]any{"token": tok})
	require.Equal(t, 1, s.srv.Revoker.RevokeSession(s.srv.Server, "s-"+u))
	assert.True(t, leftNamespace(c, 3*time.Second), "the revoked session's socket is disconnected")
	again := sioraw.Dial(t, s.URL, nil)
	reply := again.Connect(hostile.Namespace, map[string]any{"token": tok})
	assert.Contains(t, reply, "UNAUTHORIZED", "the revoked session's token is refused afterwards")

	short := hostile.Token(key, user(), "s-short", "", 1500*time.Millisecond)
	c = sioraw.Join(t, s.URL, hostile.Namespace, map[string]any{"token": short})
	assert.True(t, leftNamespace(c, 5*time.Second), "the socket is disconnected when its token expires")
	again = sioraw.Dial(t, s.URL, nil)
	assert.Contains(t, again.Connect(hostile.Namespace, map[string]any{"token": short}), "UNAUTHORIZED")

	// Refreshing with another user's (valid) token does not switch users.
	alice, bob := user(), user()
	c = sioraw.Join(t, s.URL, hostile.Namespace, map[string]any{"token": token(alice)})
	c.Send(`42/app,1["auth:refresh",{"token":"` + token(bob) + `"}]`)
	assert.NotEqual(t, "", ackCode(t, c.Ack("/app", 1)), "a refresh as someone else is refused")
	c.Send(`42/app,2["echo",{"text":"who"}]`) // on the same socket: still alice
	var out []struct {
		Data hostile.EchoOut `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(c.Ack("/app", 2)), &out))
	assert.Equal(t, alice, out[0].Data.User)
}

// TestDuplicateConnects sends CONNECT to the same namespace twice on one
// connection, the second time as another user. The server closes the
// connection: no socket is left, and the second identity never acts.
func TestDuplicateConnects(t *testing.T) {
	s := start(t, nil)
	bystander := s.dial(t, user())
	alice, bob := user(), user()
	c := sioraw.Join(t, s.URL, hostile.Namespace, map[string]any{"token": token(alice)})
	c.Send(`40/app,{"token":"` + token(bob) + `"}`)
	c.Send(`42/app,5["echo",{"text":"who"}]`)
	for {
		f, err := c.TryRead(3 * time.Second)
		if err != nil {
			assert.False(t, sioraw.Timeout(err), "the connection is closed, not left open: %v", err)
			break
		}
		assert.NotContains(t, f, bob, "the second identity acts: %s", f)
		assert.False(t, strings.HasPrefix(f, "43/app,5"), "an event after a duplicate CONNECT is handled: %s", f)
	}
	require.Eventually(t, func() bool { return s.srv.Health(ctx5(t)).Sockets["/app"] == 1 }, 3*time.Second, 20*time.Millisecond,
		"only the bystander is left")
	s.healthy(t, bystander)
}

// TestThousandsOfUnknownNamespaces asks for 3,000 namespaces that do not
// exist on one connection, and 200 more on fresh connections: each is
// refused, and the server creates nothing for them.
func TestThousandsOfUnknownNamespaces(t *testing.T) {
	s := start(t, nil)
	bystander := s.dial(t, user())
	c := sioraw.Dial(t, s.URL, nil)
	for i := range 3000 {
		c.Send(fmt.Sprintf("40/ns%d,", i))
	}
	for i := range 3000 {
		assert.Equal(t, fmt.Sprintf(`44/ns%d,{"data":{"code":"NOT_FOUND"},"message":"Invalid namespace"}`, i), c.Read())
	}
	for i := range 200 {
		c := sioraw.Dial(t, s.URL, nil)
		assert.Contains(t, c.Connect(fmt.Sprintf("/x%d", i), map[string]any{"token": token(user())}), "Invalid namespace")
		_ = c.Conn().Close()
	}
	assert.Len(t, s.srv.Namespaces(), 1)
	s.healthy(t, bystander)
}

// TestRevokerKeepsOthers checks that revoking one user touches no one else.
func TestRevokerKeepsOthers(t *testing.T) {
	s := start(t, nil)
	bystander := s.dial(t, user())
	victim := user()
	c := s.dial(t, victim)
	_, err := rtkittest.Call(ctx5(t), c, hostile.Echo, hostile.EchoIn{Text: "registered"})
	require.Nil(t, err) // the socket is registered: the revocation finds it
	require.Equal(t, 1, s.srv.Revoker.RevokeUser(s.srv.Server, victim))
	require.Eventually(t, func() bool { return !c.Connected() }, 3*time.Second, 20*time.Millisecond)
	s.healthy(t, bystander)
}

// leftNamespace reports whether the server disconnected c from /app (a
// DISCONNECT packet or the end of the connection) within d.
func leftNamespace(c *sioraw.Client, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		f, err := c.TryRead(time.Until(deadline))
		if err != nil {
			return !sioraw.Timeout(err)
		}
		if strings.HasPrefix(f, "41/app,") {
			return true
		}
	}
	return false
}
