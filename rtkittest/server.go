// Package rtkittest runs rtkit servers and typed clients over 127.0.0.1 for
// tests, the way net/http/httptest does for HTTP handlers.
//
// Start serves an *rtkit.Server on an ephemeral loopback port; Dial
// connects a client of package client to one of its namespaces (with its
// validation off: the server's is under test); Call, Listen and their
// relatives speak rtkit's wire conventions with the same Event values the
// server uses, so a test reads like the code a client author would write.
// Client.Typed gives the full client API, Client.Raw the Socket.IO socket
// underneath, for what no typed client would send.
package rtkittest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Server is an rtkit server listening on 127.0.0.1.
type Server struct {
	// URL is the base URL ("http://127.0.0.1:PORT"), without path.
	URL string
	// RT is the rtkit server being served.
	RT *rtkit.Server

	http *http.Server
	done chan struct{}
	path string // for Remote servers
}

// Start serves srv on an ephemeral port of 127.0.0.1 and shuts it down (the
// rtkit server first, then the HTTP server) when the test ends.
func Start(tb testing.TB, srv *rtkit.Server) *Server {
	tb.Helper()
	s, err := NewServer(srv)
	if err != nil {
		tb.Fatalf("rtkittest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// NewServer is Start for code that has no testing.TB (Example functions,
// programs): it serves srv on an ephemeral port of 127.0.0.1, and the
// caller calls Close.
func NewServer(srv *rtkit.Server) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		RT:   srv,
		http: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.http.Serve(ln) // returns when Close shuts the server down
	}()
	return s, nil
}

// Close shuts the rtkit server down, then the HTTP server, and waits for
// both. It is safe to call more than once.
func (s *Server) Close() {
	if s.RT == nil {
		return // Remote: not ours to stop
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.RT.Shutdown(ctx)
	_ = s.http.Shutdown(ctx)
	<-s.done
}

// Remote returns a Server for dialling an rtkit server that runs elsewhere
// (another process) at baseURL ("http://127.0.0.1:PORT"), whose Socket.IO
// path is path ("" for "/socket.io/"). Its RT is nil and Close does
// nothing: that server is not this one's to stop.
func Remote(baseURL, path string) *Server {
	if path == "" {
		path = "/socket.io/"
	}
	return &Server{URL: baseURL, path: path}
}

// socketPath is the Socket.IO path clients dial.
func (s *Server) socketPath() string {
	if s.RT != nil {
		return s.RT.Path()
	}
	return s.path
}
