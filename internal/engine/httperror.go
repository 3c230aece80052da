package engine

import (
	"net/http"
	"strconv"
)

// httpError is an Engine.IO error response: an HTTP status and the
// protocol's {"code":N,"message":"…"} body.
type httpError struct {
	status  int
	code    int
	message string
}

// The Engine.IO error codes and messages, as the reference server sends them.
var (
	errUnknownTransport = httpError{http.StatusBadRequest, 0, "Transport unknown"}
	errUnknownSid       = httpError{http.StatusBadRequest, 1, "Session ID unknown"}
	errBadHandshake     = httpError{http.StatusBadRequest, 2, "Bad handshake method"}
	errBadRequest       = httpError{http.StatusBadRequest, 3, "Bad request"}
	errForbidden        = httpError{http.StatusForbidden, 4, "Forbidden"}
	errBadVersion       = httpError{http.StatusBadRequest, 5, "Unsupported protocol version"}
	// rtkit's: a long-polling POST over MaxPayload, and a server that closed.
	errPayloadTooLarge = httpError{http.StatusRequestEntityTooLarge, 3, "Bad request"}
	errShuttingDown    = httpError{http.StatusServiceUnavailable, 3, "Bad request"}
)

// refuse answers r with e. A request whose body was not read (a refused
// POST) gets "Connection: close", so that net/http sends the answer at once
// instead of first reading, and waiting for, the rest of the body.
func refuse(w http.ResponseWriter, r *http.Request, e httpError) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	writeError(w, e)
}

func writeError(w http.ResponseWriter, e httpError) {
	body := `{"code":` + strconv.Itoa(e.code) + `,"message":"` + e.message + `"}`
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.status)
	_, _ = w.Write([]byte(body))
}
