/*
Package auth authenticates the sockets of an rtkit server and keeps their
sessions honest while they stay connected.

# Authenticators

An [Authenticator] turns the [Credentials] a client presented into a
[Principal]: user id, email, name, role, session id, expiry and free-form
claims. Credentials are gathered at handshake from three places: the
"token" of the client's handshake auth object (io(url, {auth: {token}})),
an "Authorization: Bearer" header, and named cookies. Four
implementations come with the package:

  - [JWT] verifies JSON Web Tokens (HS256/384/512, RS*, PS*, ES*, EdDSA)
    with github.com/golang-jwt/jwt/v5: issuer, audience, expiry (required
    unless allowed otherwise), not-before, clock skew, and key rotation by
    "kid", each key bound to one algorithm ("none" is never accepted);
  - [JWKS] verifies them with the keys an identity service publishes at a
    JSON Web Key Set URL (Auth0, Clerk, Supabase, Keycloak, Cognito,
    better-auth's jwt plugin), fetched with github.com/MicahParks/jwkset,
    kept in memory, fetched again periodically and at once, rate-limited,
    when a token names a key it does not know; a key set that cannot be
    fetched refuses new keys with UNAVAILABLE, never as forgeries;
  - [Session] asks an HTTP session service, compatible with better-auth's
    GET /api/auth/get-session, with a timeout and a small TTL cache; it
    fails closed when the service is down (docs/better-auth.md adds rtkit
    to a Hono + better-auth application);
  - [Func] adapts a function, for anything else (a database lookup).

# Protecting a server

[Required] and [Optional] return an rtkit.Option for rtkit.NewServer:

	jwtAuth, err := auth.NewJWT(auth.JWTConfig{
		Keys:     []auth.JWTKey{{ID: "2026-11", Algorithm: "EdDSA", Key: pub}},
		Issuer:   "https://id.example",
		Audience: "workspace",
	})
	…
	revoker := &auth.Revoker{}
	srv := rtkit.NewServer(auth.Required(jwtAuth, auth.WithRevoker(revoker)))

A client without credentials is refused with connect_error
{"message": "Authentication required", "data": {"code": "UNAUTHORIZED"}};
one whose credentials were refused with "Invalid session" (UNAUTHORIZED);
one whose identity source could not answer with "Authentication
unavailable" (UNAVAILABLE), so that it retries instead of logging the user
out. Why credentials were refused is logged ([WithLogger]), never sent.

Handlers read the principal from their context:

	p, ok := auth.PrincipalFrom(ctx)

The context holds a small holder rather than the principal itself, so that
a refresh can change the expiry of a live socket; PrincipalFrom returns a
snapshot and costs a mutex, nothing per event otherwise.

Required and Optional work on one namespace (rtkit.NewNamespace) or on
every namespace of a server (rtkit.NewServer), so that public and
protected namespaces can share a server. They also annotate the namespace
in the server's Spec ("auth"), so that the generated docs show the
requirement and AsyncAPI its security schemes.

# Session lifetime

When a principal has an expiry, its socket is disconnected at that moment,
right after the server → client event auth:expired ([ExpiredEvent],
reason "expired"), unless the client sent auth:refresh ([RefreshEvent])
with a new token first: the new principal (same user) replaces the old one
and the acknowledgement carries the new expiry.

A [Revoker] ends sessions: [Revoker.RevokeSession] and
[Revoker.RevokeUser] disconnect every matching socket in every namespace of
a server (after auth:expired with reason "revoked") and, once given to
[WithRevoker], refuse those sessions at later handshakes.

# Sessions ended at the identity service

A session can end at the identity service while its sockets are
connected: a sign-out at better-auth, a password change, an admin's ban.
[WithRevalidation] checks the credentials of every live socket there
again every interval, and ends the sockets of a session the service no
longer knows with auth:expired (reason "revoked"). Sockets that presented
the same credentials (the tabs of one browser, the namespaces of one
socket) share one request per interval. auth:refresh asks the service as
well, past any cache ([Revalidator]).

An identity service that cannot answer ends nobody: live sockets fail
open, and are checked again at the next interval, while new handshakes
fail closed with UNAVAILABLE, so that nobody gets in unchecked and nobody
is signed out by an outage.

	srv := rtkit.NewServer(auth.Required(sessions, auth.WithRevalidation(time.Minute)))

# Connection state recovery

rtkit runs connection middleware again when a socket recovers its
session, so a recovered socket is authenticated again: an expired token, a
session the identity source no longer knows or one a Revoker revoked
(even while the client was away) is refused, and the socket is not
recovered.

# Roles

[RequireRole] is an event option checked before the payload is validated:
an anonymous socket gets UNAUTHORIZED, a principal without the role
FORBIDDEN.

	var Purge = rtkit.NewEvent[PurgeIn, PurgeOut]("admin:purge", auth.RequireRole("admin"))

# Cost

Authentication happens at handshake. After it, an event pays only the
role middleware's lookup of the event's metadata (a map read); see
BenchmarkEventAfterHandshake.
*/
package auth
