package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/hostile"
)

// key signs the tokens of the soak's users; the server is local and
// short-lived.
var key = []byte("soak-key-0123456789abcdef0123456789")

// Stats is what a server reports about itself at /stats.
type Stats struct {
	Goroutines int    `json:"goroutines"`
	HeapBytes  uint64 `json:"heapBytes"`
	RSSBytes   uint64 `json:"rssBytes"`
	FDs        int    `json:"fds"`
	Sockets    int    `json:"sockets"`
	// Lag is the worst scheduling delay the server process saw since the
	// previous sample.
	Lag time.Duration `json:"lag"`
	// Disconnects counts the sockets gone so far, by reason.
	Disconnects map[string]int `json:"disconnects,omitempty"`
}

// reasons counts disconnections by reason.
type reasons struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *reasons) add(_ *rtkit.Socket, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]int{}
	}
	r.n[reason]++
}

func (r *reasons) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.n)
}

// newServer builds the hostile server with the soak's limits: 20 events a
// second per socket, a socket disconnected after 100 refusals in a row (the
// flooders send bursts of 30).
func newServer(cfg config, log *slog.Logger) (*hostile.Server, *reasons, error) {
	gone := &reasons{}
	opts := []rtkit.ServerOption{rtkit.OnDisconnect(gone.add)}
	if cfg.pingTimeout > 0 {
		opts = append(opts, rtkit.WithPing(25*time.Second, cfg.pingTimeout))
	}
	srv, err := hostile.NewServer(hostile.Config{Key: key, Logger: log, EventsPerSecond: 20, DisconnectAfter: 100,
		NewConnsPerSecond: cfg.newConnsPerSecond, Options: opts})
	return srv, gone, err
}

// listen serves srv and /stats on 127.0.0.1:port; lag, when not nil, is
// reported with the stats.
func listen(srv *hostile.Server, gone *reasons, lag *lagMeter, port int) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("gc") != "" {
			runtime.GC()
		}
		st := selfStats()
		st.Sockets = srv.Health(r.Context()).Sockets[hostile.Namespace]
		st.Disconnects = gone.snapshot()
		if lag != nil {
			st.Lag = lag.take()
		}
		_ = json.NewEncoder(w).Encode(st)
	})
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln, nil
}

// selfStats samples this process.
func selfStats() Stats {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	st := Stats{Goroutines: runtime.NumGoroutine(), HeapBytes: m.HeapAlloc}
	st.RSSBytes, st.FDs = procStats(os.Getpid())
	return st
}

// procStats reads the resident memory and open descriptors of pid.
func procStats(pid int) (rss uint64, fds int) {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				rss = kb << 10
			}
		}
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		fds = len(ents)
	}
	return rss, fds
}

// serveUntil is -serve: run the server until ctx ends, then shut down
// gracefully (rtkit first, then HTTP). The first line on stdout is
// "listening ADDR".
func serveUntil(ctx context.Context, cfg config, log *slog.Logger) error {
	srv, gone, err := newServer(cfg, log)
	if err != nil {
		return err
	}
	lag := &lagMeter{}
	go lag.run(ctx)
	hs, ln, err := listen(srv, gone, lag, cfg.port)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Printf("listening %s\n", ln.Addr())
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if herr := hs.Shutdown(sctx); err == nil {
		err = herr
	}
	if serr := <-served; err == nil && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	return err
}

// target is a server under test: its base URL and how to sample it.
type target struct {
	url   string
	stats func(ctx context.Context) (Stats, error)
	stop  func() error
}

// startTarget runs the server in this process or in a child.
func startTarget(cfg config) (*target, error) {
	if cfg.inProcess {
		srv, gone, err := newServer(cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			return nil, err
		}
		hs, ln, err := listen(srv, gone, nil, 0)
		if err != nil {
			return nil, err
		}
		done := make(chan struct{})
		go func() { defer close(done); _ = hs.Serve(ln) }()
		base := "http://" + ln.Addr().String()
		return &target{url: base, stats: remoteStats(base), stop: func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := srv.Shutdown(ctx)
			_ = hs.Shutdown(ctx)
			<-done
			return err
		}}, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-serve", "-watch-stdin", "-new-conns-per-second", strconv.Itoa(cfg.newConnsPerSecond),
		"-ping-timeout", cfg.pingTimeout.String())
	cmd.Stderr = os.Stderr
	// The child ends with this process: its standard input is a pipe
	// nobody writes to, closed when this process exits.
	if _, err := cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("server child: %q %v", line, err)
	}
	base := "http://" + addr
	return &target{url: base, stats: remoteStats(base), stop: func() error {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		return cmd.Wait()
	}}, nil
}

// remoteStats asks the server's /stats, after a garbage collection.
func remoteStats(base string) func(ctx context.Context) (Stats, error) {
	return func(ctx context.Context) (Stats, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/stats?gc=1", nil)
		if err != nil {
			return Stats{}, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return Stats{}, err
		}
		defer resp.Body.Close()
		var st Stats
		return st, json.NewDecoder(resp.Body).Decode(&st)
	}
}
