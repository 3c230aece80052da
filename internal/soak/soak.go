package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// sample is one row of the curve.
type sample struct {
	at    time.Duration
	stats Stats
	lag   time.Duration // this process's worst scheduling delay
	sent  int64
	acked int64
	bcast int64
	rl    int64
	bad   int64
}

// runSoak connects cfg.sockets clients, drives the workload for
// cfg.duration, prints the curve and the verdict to w, and reports whether
// the verdict passed.
func runSoak(ctx context.Context, cfg config, w io.Writer) (bool, error) {
	tg, err := startTarget(cfg)
	if err != nil {
		return false, err
	}
	defer func() { _ = tg.stop() }()
	base, err := tg.stats(ctx)
	if err != nil {
		return false, fmt.Errorf("stats: %w", err)
	}
	t := &tally{}
	lag := &lagMeter{}
	lctx, stopLag := context.WithCancel(ctx)
	defer stopLag()
	go lag.run(lctx)
	began := time.Now()
	clients, err := connectAll(ctx, tg.url, cfg.sockets, t)
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	if err != nil {
		return false, err
	}
	connected := time.Since(began)
	fmt.Fprintf(w, "soak: %d sockets connected in %v (server %s)\n", len(clients), connected.Round(time.Millisecond), tg.url)
	for _, c := range clients {
		c.emit("room:join", fmt.Sprintf(`{"room":"team:%s"}`, c.team))
	}
	// Every socket is in its team's room before the first broadcast, so
	// that each one the server acknowledges is owed to the whole team.
	if n := awaitAcks(clients, 30*time.Second); n > 0 {
		return false, fmt.Errorf("%d team joins unanswered after 30 s", n)
	}

	var rows []sample
	row := func(start time.Time) error {
		st, err := tg.stats(ctx)
		if err != nil {
			return err
		}
		rows = append(rows, sample{at: time.Since(start), stats: st, lag: lag.take(), sent: t.sent.Load(), acked: t.acked.Load(),
			bcast: t.broadcasts.Load(), rl: t.rateLimited.Load(), bad: t.unexpected.Load()})
		return nil
	}
	start := time.Now()
	if err := row(start); err != nil {
		return false, err
	}
	wctx, stopWork := context.WithTimeout(ctx, cfg.duration)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() { work(wctx, c, cfg.every) })
	}
	tick := time.NewTicker(cfg.sample)
	var rowErr error
	for rowErr == nil && wctx.Err() == nil {
		select {
		case <-tick.C:
			rowErr = row(start)
		case <-wctx.Done():
		}
	}
	tick.Stop()
	stopWork()
	wg.Wait()
	if rowErr != nil {
		return false, rowErr
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	// Let the last acknowledgements arrive, then the broadcasts they
	// acknowledged.
	waiting := awaitAcks(clients, 15*time.Second)
	owed := owedBroadcasts(clients, t)
	for deadline := time.Now().Add(15 * time.Second); t.broadcasts.Load() < owed && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	t.owed = owed
	if err := row(start); err != nil {
		return false, err
	}
	for _, c := range clients {
		c.close()
	}
	clients = nil
	var after Stats
	for range 50 { // the server notices the closed connections
		time.Sleep(200 * time.Millisecond)
		if after, err = tg.stats(ctx); err != nil || after.Sockets == 0 {
			break
		}
	}
	if err != nil {
		return false, err
	}
	return report(w, cfg, base, rows, after, t, waiting), nil
}

// connectAll connects n clients, 64 at a time. Every tenth team has one
// flooder.
func connectAll(ctx context.Context, base string, n int, t *tally) ([]*client, error) {
	clients := make([]*client, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := connect(ctx, base, fmt.Sprintf("user%d", i), fmt.Sprintf("t%d", i%50), t)
			if err != nil {
				errs <- fmt.Errorf("socket %d: %w", i, err)
				return
			}
			c.flooder = i%100 == 0
			clients[i] = c
		})
	}
	wg.Wait()
	close(errs)
	var live []*client
	for _, c := range clients {
		if c != nil {
			live = append(live, c)
		}
	}
	return live, <-errs // the first error, nil when there was none
}

// work is one socket's workload: mostly acknowledged echoes, 2 % team
// broadcasts, 3 % joins; a flooder also sends 30 events at once every
// 10 s (the first time within the first interval), beyond its limit of 20
// a second.
func work(ctx context.Context, c *client, every time.Duration) {
	// The first flood comes within the first interval, so that even a
	// short run has one.
	nextFlood := time.Now().Add(time.Duration(rand.Int64N(int64(every))))
	for {
		d := every/2 + time.Duration(rand.Int64N(int64(every)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		switch r := rand.Float64(); {
		case r < 0.02:
			c.emit("room:say", fmt.Sprintf(`{"room":"team:%s","text":"hello"}`, c.team))
		case r < 0.05:
			c.emit("room:join", `{"room":"lobby"}`)
		default:
			c.emit("echo", `{"text":"ping"}`)
		}
		if c.flooder && time.Now().After(nextFlood) {
			for range 30 {
				c.emit("echo", `{"text":"flood"}`)
			}
			nextFlood = time.Now().Add(10 * time.Second)
		}
	}
}

// awaitAcks waits up to d for every live client's acknowledgements and
// returns how many are still missing.
func awaitAcks(clients []*client, d time.Duration) int {
	waiting := 0
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		waiting = 0
		for _, c := range clients {
			waiting += c.waiting()
		}
		if waiting == 0 {
			break
		}
	}
	return waiting
}

// owedBroadcasts is the number of room messages the clients should have
// received: each broadcast acknowledged with success reaches every member
// of the sender's team, the sender included.
func owedBroadcasts(clients []*client, t *tally) int64 {
	members := map[string]int64{}
	for _, c := range clients {
		members[c.team]++
	}
	var owed int64
	t.said.Range(func(team, n any) bool {
		owed += n.(*atomic.Int64).Load() * members[team.(string)]
		return true
	})
	return owed
}
