package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// result is one run's JSON line. Its fields and the metrics shared with
// the load harness's loadgen (single_all_p50_ms, burst_server_cpu_us_per_msg
// and so on) mean the same, so that figures from either compare; the
// metrics ending in _a and _b are the first and the second server's.
type result struct {
	Server   string             `json:"server"`
	Scenario string             `json:"scenario"`
	Rep      int                `json:"rep"`
	Pinned   bool               `json:"pinned"`
	Time     string             `json:"time"`
	Complete bool               `json:"complete"`
	Metrics  map[string]float64 `json:"metrics"`
	Notes    []string           `json:"notes,omitempty"`
}

// pairRun is one run in progress.
type pairRun struct {
	cfg     config
	log     *slog.Logger
	t       *tracker
	conns   []*sioConn
	readers sync.WaitGroup
	res     *result
}

// measure runs the phases against the pair of servers: connect, idle
// memory, warm-up, single broadcasts, burst. It returns once every socket
// it opened is closed and every goroutine it started has ended, within
// cfg.timeout (plus the time to close). A phase whose broadcasts do not
// all arrive within cfg.step is reported in the result (Complete false,
// a note); a warm-up that never reaches every socket is an error.
func measure(ctx context.Context, cfg config, log *slog.Logger) (*result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	r := &pairRun{
		cfg: cfg,
		log: log,
		t:   newTracker(split(cfg.n), warmups+cfg.singles+cfg.burst, warmups+cfg.singles),
		res: &result{
			Server:   cfg.label,
			Scenario: "fanout n=" + strconv.Itoa(cfg.n),
			Rep:      cfg.rep,
			Pinned:   cfg.pinned,
			Complete: true,
			Metrics:  map[string]float64{},
		},
	}
	if err := r.connect(ctx); err != nil {
		return nil, err
	}
	defer r.closeAll()
	steps := []func(context.Context) error{r.idleMemory, r.warmUp, r.singleBroadcasts, r.burst}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	r.res.Metrics["unknown_msgs"] = float64(r.t.stray.Load())
	r.res.Metrics["repeated_msgs"] = float64(r.t.extra.Load())
	r.res.Time = time.Now().UTC().Format(time.RFC3339)
	return r.res, nil
}

// split is how many of n sockets go to each server: even ones to the
// first, odd ones to the second.
func split(n int) [2]int { return [2]int{(n + 1) / 2, n / 2} }

// connect opens the sockets, cfg.dialConc at a time, and starts their read
// loops.
func (r *pairRun) connect(ctx context.Context) error {
	var rss0 [2]int64
	for i := range rss0 {
		rss0[i], _ = procRSS(r.cfg.pids[i])
	}
	m := startMeter(r.cfg.pids)
	r.conns = make([]*sioConn, r.cfg.n)
	var next atomic.Int64
	errs := make([]error, r.cfg.dialConc)
	var wg sync.WaitGroup
	for w := range r.cfg.dialConc {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < r.cfg.n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				c, err := dialSocket(dctx, r.cfg.urls[i%2], r.cfg.nsp, i%2)
				cancel()
				if err != nil {
					errs[w] = fmt.Errorf("socket %d: %w", i, err)
					next.Store(int64(r.cfg.n)) // the other workers stop too
					return
				}
				r.conns[i] = c
			}
		})
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		r.closeAll()
		return err
	}
	u := m.stop()
	for _, c := range r.conns {
		last := -1
		r.readers.Go(func() {
			_ = c.readLoop(func(server int, ev []byte) { r.t.deliver(server, &last, ev) })
		})
	}
	M := r.res.Metrics
	M["conns_per_s"] = float64(r.cfg.n) / u.wall.Seconds()
	M["connect_server_cpu_ms_per_1k"] = ms(u.server[0]+u.server[1]) * 1000 / float64(r.cfg.n)
	M["rss_base_mib"] = float64(rss0[0]+rss0[1]) / 1024
	r.log.Info("pairgen: connected", "n", r.cfg.n, "seconds", u.wall.Seconds())
	return nil
}

// closeAll closes every socket that is open and waits for the read loops.
func (r *pairRun) closeAll() {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, c := range r.conns {
		if c == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c.close()
		})
	}
	wg.Wait()
	r.readers.Wait()
}

// idleMemory waits cfg.settle, then reads what the idle sockets cost the
// servers in memory.
func (r *pairRun) idleMemory(ctx context.Context) error {
	if err := sleep(ctx, r.cfg.settle); err != nil {
		return err
	}
	var rss [2]int64
	for i := range rss {
		rss[i], _ = procRSS(r.cfg.pids[i])
	}
	M := r.res.Metrics
	M["rss_n_mib"] = float64(rss[0]) / 1024 // the first server's, as loadgen's
	M["rss_n_b_mib"] = float64(rss[1]) / 1024
	M["rss_per_conn_kib"] = (float64(rss[0]+rss[1]) - M["rss_base_mib"]*1024) / float64(r.cfg.n)
	return nil
}

// warmUp asks for broadcasts until one reaches every socket: both
// servers' subscriptions are then in place, and what runs only once (a
// first allocation, Node's compiler) is out of the measured phases.
func (r *pairRun) warmUp(ctx context.Context) error {
	for seq := range warmups {
		ok, err := r.broadcast(ctx, seq)
		if ok || err != nil {
			return err
		}
	}
	rd := &r.t.rounds[warmups-1]
	return fmt.Errorf("pairgen: %d broadcasts never reached every socket (the last: %d of %d on the first server, %d of %d on the second within %v): are both servers joined by the adapter?",
		warmups, rd.got[0].Load(), r.t.want[0], rd.got[1].Load(), r.t.want[1], r.cfg.step)
}

// broadcast asks for broadcast seq and waits until every socket has it
// (true) or cfg.step has passed (false).
func (r *pairRun) broadcast(ctx context.Context, seq int) (bool, error) {
	if err := r.conns[0].emit("fanout", []byte(`{"seq":`+strconv.Itoa(seq)+`}`)); err != nil {
		return false, fmt.Errorf("pairgen: asking for broadcast %d: %w", seq, err)
	}
	step := time.NewTimer(r.cfg.step)
	defer step.Stop()
	select {
	case <-r.t.rounds[seq].done:
		return true, nil
	case <-step.C:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ms is d in (fractional) milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
