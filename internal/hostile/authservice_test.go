package hostile_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/internal/hostile"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// sessionService is a session service in the style of better-auth's
// get-session endpoint: every bearer token is a valid session of the user
// of that name, unless the service is slow or stopped.
type sessionService struct {
	addr string
	slow atomic.Bool
	mu   sync.Mutex
	hs   *http.Server
	done chan struct{}
}

func newSessionService(t *testing.T) *sessionService {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &sessionService{addr: ln.Addr().String()}
	s.serve(ln)
	t.Cleanup(s.stop)
	return s
}

func (s *sessionService) serve(ln net.Listener) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.slow.Load() {
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
				return
			}
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"session": map[string]any{"id": "s-" + tok, "expiresAt": time.Now().Add(time.Hour).Format(time.RFC3339)},
			"user":    map[string]any{"id": tok},
		})
	})
	s.mu.Lock()
	s.hs = &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	s.done = make(chan struct{})
	hs, done := s.hs, s.done
	s.mu.Unlock()
	go func() { defer close(done); _ = hs.Serve(ln) }()
}

// stop takes the service down: its port refuses connections.
func (s *sessionService) stop() {
	s.mu.Lock()
	hs, done := s.hs, s.done
	s.hs = nil
	s.mu.Unlock()
	if hs == nil {
		return
	}
	_ = hs.Close()
	<-done
}

// restart brings it back on the same port.
func (s *sessionService) restart(t *testing.T) {
	ln, err := net.Listen("tcp", s.addr)
	require.NoError(t, err)
	s.serve(ln)
}

// TestAuthServiceSlowAndDown runs a server whose identity source is a
// session service while connected clients keep sending events: when the
// service is slow, then down, new clients are refused with UNAVAILABLE
// within the timeout (never a hang, never UNAUTHORIZED), connected
// clients are served as before, and when the service returns, clients
// connect again.
func TestAuthServiceSlowAndDown(t *testing.T) {
	svc := newSessionService(t)
	sa, err := auth.NewSession(auth.SessionConfig{URL: "http://" + svc.addr + "/api/auth/get-session", CacheTTL: -1})
	require.NoError(t, err)
	s := start(t, func(c *hostile.Config) {
		c.Authenticator = sa
		c.AuthTimeout = 300 * time.Millisecond
		c.EventsPerSecond = 1000
	})
	connect := func(u string) (*rtkittest.Client, error) {
		return s.TryDial(t, hostile.Namespace, rtkittest.WithAuth(map[string]any{"token": u}))
	}

	// Load: 20 connected clients echo without pause.
	var clients []*rtkittest.Client
	for range 20 {
		c, err := connect(user())
		require.NoError(t, err)
		clients = append(clients, c)
	}
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var served, failed atomic.Int64
	var slowest atomic.Int64
	for _, c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				begin := time.Now()
				cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				_, err := rtkittest.Call(cctx, c, hostile.Echo, hostile.EchoIn{Text: "x"})
				cancel()
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					failed.Add(1)
					continue
				}
				served.Add(1)
				if d := int64(time.Since(begin)); d > slowest.Load() {
					slowest.Store(d)
				}
			}
		})
	}

	refusedQuickly := func(phase string) {
		for range 5 {
			begin := time.Now()
			_, err := connect(user())
			var ce *rtkittest.ConnectError
			require.True(t, errors.As(err, &ce), "%s: %v", phase, err)
			assert.Equal(t, "UNAVAILABLE", ce.Code, phase)
			assert.Less(t, time.Since(begin), 3*time.Second, "%s: the handshake does not hang", phase)
		}
	}
	svc.slow.Store(true)
	refusedQuickly("slow")
	svc.slow.Store(false)
	svc.stop()
	refusedQuickly("down")
	svc.restart(t)
	c, err := connect(user())
	require.NoError(t, err, "the service is back")
	c.Close()

	stopLoad()
	wg.Wait()
	t.Logf("during the outage: %d events served, %d failed, slowest %v", served.Load(), failed.Load(), time.Duration(slowest.Load()))
	assert.Positive(t, served.Load(), "connected clients are served throughout")
	assert.Zero(t, failed.Load(), "connected clients do not depend on the identity source")
	assert.Less(t, time.Duration(slowest.Load()), 3*time.Second, "no event waits on the identity source")
}
