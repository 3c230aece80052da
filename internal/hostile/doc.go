// Package hostile is rtkit's whole-server hostile-input and fault suite.
// Its tests attack one server that has everything switched on (JWT
// authentication with a Revoker, event and connection rate limits, room
// policies, a small maximum payload) over 127.0.0.1 with raw websocket
// and HTTP long-polling clients and the Go client, and check each answer
// and that the server and the other clients are unaffected.
//
// The package's non-test code builds that server (NewServer) and mints its
// tokens (Token), so that the load command in internal/soak and the
// node processes of the fault tests run the very same server.
package hostile
