package auth_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/internal/proctest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// BenchmarkRevalidationRequests counts the requests an rtkit server sends
// the identity service to keep 10,000 live sockets of 1,000 sessions
// checked (WithRevalidation), at a session service on 127.0.0.1 that
// answers like better-auth's get-session. The sockets are real websocket
// connections of the official socket.io-client, opened by a node process
// (testdata/betterauth/fleet.mjs), so that the two ends of 10,000
// connections do not share one process's file descriptors. Run it alone:
//
//	go test -run '^$' -bench RevalidationRequests -benchtime 1x ./auth/
//
// It reports the requests per second and per interval during a window of
// several intervals that starts once every socket is connected. The
// service is a stand-in rather than the real better-auth because 1,000
// sign-ups at better-auth would take minutes of password hashing; what is
// measured is what rtkit sends, which does not depend on who answers.
func BenchmarkRevalidationRequests(b *testing.B) {
	const (
		sockets, sessions = 10_000, 1_000
		interval          = 5 * time.Second
		window            = 4 * interval
	)
	node := nodeFor(b, betterAuthDir)
	var requests atomic.Int64
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"session": map[string]any{"id": "sess-" + tok, "userId": "user-" + tok,
				"expiresAt": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)},
			"user": map[string]any{"id": "user-" + tok, "email": tok + "@example.com", "role": "user"},
		})
	}))
	b.Cleanup(svc.Close)

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sa, err := auth.NewSession(auth.SessionConfig{URL: svc.URL + "/api/auth/get-session"})
	if err != nil {
		b.Fatal(err)
	}
	srv := rtkit.NewServer(rtkit.WithLogger(quiet),
		auth.Required(sa, auth.WithRevalidation(interval), auth.WithLogger(quiet)))
	srv.Mount(whoNamespace("/p"))
	ts := rtkittest.Start(b, srv)

	began := time.Now()
	cmd := exec.Command(node, "fleet.mjs", ts.URL+"/p", strconv.Itoa(sockets), strconv.Itoa(sessions))
	cmd.Dir = betterAuthDir
	fleet := proctest.Start(b, "fleet", cmd, 30*time.Second)
	waitForLine(b, fleet, "connected ", 5*time.Minute)
	connected := time.Since(began)
	handshakes := requests.Load()

	b.ResetTimer()
	base, since := requests.Load(), time.Now()
	time.Sleep(window)
	n, elapsed := requests.Load()-base, time.Since(since)
	b.StopTimer()

	live := 0
	for range srv.Sockets() {
		live++
	}
	if live != sockets {
		b.Fatalf("%d sockets live at the end, want %d", live, sockets)
	}
	perInterval := float64(n) * float64(interval) / float64(elapsed)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "requests/s")
	b.ReportMetric(perInterval, "requests/interval")
	b.ReportMetric(perInterval/sessions, "requests/session/interval")
	b.Logf("%d sockets of %d sessions connected in %v with %d requests; then %d requests in %v (interval %v)",
		sockets, sessions, connected.Round(time.Millisecond), handshakes, n, elapsed.Round(time.Millisecond), interval)
}

// waitForLine waits until p printed a line starting with prefix, failing
// if it prints "failed" or exits first.
func waitForLine(b *testing.B, p *proctest.Proc, prefix string, wait time.Duration) {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		out := p.Output.String()
		if strings.Contains(out, "\n"+prefix) || strings.HasPrefix(out, prefix) {
			return
		}
		if strings.Contains(out, "failed ") {
			b.Fatalf("%s: %s", p.Name, out)
		}
		select {
		case <-p.Done():
			b.Fatalf("%s exited: %s", p.Name, out)
		case <-time.After(100 * time.Millisecond):
		}
	}
	b.Fatalf("%s did not print %q within %v", p.Name, prefix, wait)
}
