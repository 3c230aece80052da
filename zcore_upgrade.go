package rtkit

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
)

// Memory of websocket connections.
//
// The underlying server keeps the http.ResponseWriter of the request that
// opened a websocket for the life of the connection (in its request
// context). Once the connection is hijacked, that writer serves no
// purpose, but it holds net/http's per-connection state: a 4 KiB read
// buffer and two write buffers, about 9 KiB per socket that the
// websocket library, with its own buffers, never uses. releaseAfterUpgrade
// hands the server a writer that lets go of net/http's once hijacked.

// releaseAfterUpgrade returns w wrapped so that it forgets w once hijacked,
// for websocket upgrade requests; w itself otherwise.
func releaseAfterUpgrade(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	if _, ok := w.(http.Hijacker); !ok || !isUpgrade(r) {
		return w
	}
	return &upgradeWriter{w: w}
}

// isUpgrade reports whether r asks for a websocket upgrade.
func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// upgradeWriter is an http.ResponseWriter and http.Hijacker that drops the
// writer it wraps once the connection is hijacked. After that, Header
// returns a detached map, Write fails with http.ErrHijacked and
// WriteHeader does nothing, as net/http's own writer does then.
type upgradeWriter struct {
	mu     sync.Mutex
	w      http.ResponseWriter // nil once hijacked
	header http.Header         // after hijacking
}

// Header returns the response header (a detached one once hijacked).
func (u *upgradeWriter) Header() http.Header {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.w != nil {
		return u.w.Header()
	}
	if u.header == nil {
		u.header = http.Header{}
	}
	return u.header
}

// Write writes to the response, until hijacked.
func (u *upgradeWriter) Write(b []byte) (int, error) {
	u.mu.Lock()
	w := u.w
	u.mu.Unlock()
	if w == nil {
		return 0, http.ErrHijacked
	}
	return w.Write(b)
}

// WriteHeader sends the status, until hijacked.
func (u *upgradeWriter) WriteHeader(code int) {
	u.mu.Lock()
	w := u.w
	u.mu.Unlock()
	if w != nil {
		w.WriteHeader(code)
	}
}

// Hijack takes the connection over and forgets the wrapped writer.
func (u *upgradeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.w == nil {
		return nil, nil, http.ErrHijacked
	}
	h, ok := u.w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("rtkit: response writer cannot be hijacked")
	}
	c, rw, err := h.Hijack()
	if err != nil {
		return c, rw, err
	}
	u.w = nil
	return &corkConn{Conn: c}, rw, nil
}
