package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// stormResult counts the outcomes of a connection storm.
type stormResult struct {
	accepted int
	refused  map[string]int // by connect_error code
	failed   []error        // anything else
	elapsed  time.Duration  // from the first dial to the last answer
}

// storm opens n connections at once (all dials start within the same
// second) and keeps the accepted ones open until the caller closes them.
func storm(ctx context.Context, base string, n int, t *tally) (stormResult, []*client) {
	res := stormResult{refused: map[string]int{}}
	var mu sync.Mutex
	var clients []*client
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range n {
		wg.Go(func() {
			c, err := connect(ctx, base, fmt.Sprintf("storm%d", i), "storm", t)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				res.accepted++
				clients = append(clients, c)
			} else if code, ok := isRefused(err); ok {
				res.refused[code]++
			} else {
				res.failed = append(res.failed, err)
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(begin)
	return res, clients
}

// runStorm is -storm: a storm of cfg.storm connections, then a check that
// the server still serves a new client and lets every socket go.
func runStorm(ctx context.Context, cfg config, w io.Writer) (bool, error) {
	tg, err := startTarget(cfg)
	if err != nil {
		return false, err
	}
	defer func() { _ = tg.stop() }()
	return stormCheck(ctx, tg, cfg.storm, w)
}

// stormCheck runs the storm against tg and prints the outcome.
func stormCheck(ctx context.Context, tg *target, n int, w io.Writer) (bool, error) {
	t := &tally{}
	res, clients := storm(ctx, tg.url, n, t)
	st, err := tg.stats(ctx)
	if err != nil {
		return false, err
	}
	codes := make([]string, 0, len(res.refused))
	for c := range res.refused {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	fmt.Fprintf(w, "storm: %d connections started at once, answered within %v: %d accepted", n,
		res.elapsed.Round(time.Millisecond), res.accepted)
	for _, c := range codes {
		fmt.Fprintf(w, ", %d refused with %s", res.refused[c], c)
	}
	fmt.Fprintf(w, ", %d failed; server: %d sockets, %d goroutines\n", len(res.failed), st.Sockets, st.Goroutines)

	ok := len(res.failed) == 0 && res.accepted > 0 && st.Sockets == res.accepted
	for _, c := range codes {
		ok = ok && (c == "RATE_LIMITED" || c == "TOO_MANY_CONNECTIONS")
	}
	for i, err := range res.failed {
		if i == 5 {
			break
		}
		fmt.Fprintf(w, "  failure: %v\n", err)
	}

	// A new client is served right after.
	probe, err := connect(ctx, tg.url, "storm-probe", "probe", t)
	if err != nil {
		fmt.Fprintf(w, "a new client after the storm: %v\n", err)
		ok = false
	} else {
		probe.emit("echo", `{"text":"after the storm"}`)
		for deadline := time.Now().Add(5 * time.Second); probe.waiting() > 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		if probe.waiting() > 0 || t.unexpected.Load() > 0 {
			fmt.Fprintf(w, "a new client after the storm is not served: %v\n", t.failures())
			ok = false
		}
		probe.close()
	}
	for _, c := range clients {
		c.close()
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if st, err = tg.stats(ctx); err != nil || st.Sockets == 0 {
			break
		}
	}
	if err != nil {
		return false, err
	}
	fmt.Fprintf(w, "after the storm's sockets closed: %d sockets, %d goroutines\n", st.Sockets, st.Goroutines)
	ok = ok && st.Sockets == 0
	if ok {
		fmt.Fprintln(w, "verdict: PASS")
	} else {
		fmt.Fprintln(w, "verdict: FAIL")
	}
	return ok, nil
}
