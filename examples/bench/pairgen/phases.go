package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// singleBroadcasts asks for cfg.singles broadcasts one at a time, each
// once the one before reached every socket (or cfg.step passed), and
// measures how long each took to reach the first and the last socket,
// overall and per server, and the servers' CPU per broadcast.
func (r *pairRun) singleBroadcasts(ctx context.Context) error {
	var all, first []float64
	var firstOn, allOn [2][]float64
	m := startMeter(r.cfg.pids)
	for s := range r.cfg.singles {
		seq := warmups + s
		t0 := r.t.now()
		ok, err := r.broadcast(ctx, seq)
		if err != nil {
			return err
		}
		rd := &r.t.rounds[seq]
		if !ok {
			r.incomplete(fmt.Sprintf("single broadcast %d: %d of %d sockets on the first server, %d of %d on the second within %v",
				s, rd.got[0].Load(), r.t.want[0], rd.got[1].Load(), r.t.want[1], r.cfg.step))
		} else {
			all = append(all, since(r.t.allAt(seq), t0))
			first = append(first, since(min(rd.first[0].Load(), rd.first[1].Load()), t0))
			for i := range 2 {
				firstOn[i] = append(firstOn[i], since(rd.first[i].Load(), t0))
				allOn[i] = append(allOn[i], since(rd.last[i].Load(), t0))
			}
		}
		if err := sleep(ctx, r.cfg.gap); err != nil {
			return err
		}
	}
	u := m.stop()
	if len(all) == 0 {
		return nil
	}
	M, per := r.res.Metrics, float64(r.cfg.singles)
	M["single_all_p50_ms"] = median(all)
	M["single_all_min_ms"], M["single_all_max_ms"] = slices.Min(all), slices.Max(all)
	M["single_first_p50_ms"] = median(first)
	for i, sfx := range []string{"a", "b"} {
		M["single_first_"+sfx+"_p50_ms"] = median(firstOn[i])
		M["single_all_"+sfx+"_p50_ms"] = median(allOn[i])
		M["single_cpu_"+sfx+"_ms_per_bcast"] = ms(u.server[i]) / per
	}
	M["single_server_cpu_ms_per_bcast"] = ms(u.server[0]+u.server[1]) / per
	M["single_redis_cpu_ms_per_bcast"] = ms(u.redis) / per
	M["single_gen_cpu_ms_per_bcast"] = ms(u.gen) / per
	M["single_bg_cores"] = u.otherCores
	r.log.Info("pairgen: single broadcasts", "n", r.cfg.n, "all_p50_ms", M["single_all_p50_ms"],
		"server_cpu_ms", M["single_server_cpu_ms_per_bcast"])
	return nil
}

// burst asks for cfg.burst broadcasts back to back and measures the
// delivered notifications per second, from the first request to the last
// delivery, and the servers' CPU per delivered notification.
func (r *pairRun) burst(ctx context.Context) error {
	if r.cfg.burst == 0 {
		return nil
	}
	m := startMeter(r.cfg.pids)
	t0 := r.t.now()
	for seq := r.t.burstFrom; seq < len(r.t.rounds); seq++ {
		if err := r.conns[0].emit("fanout", []byte(`{"seq":`+strconv.Itoa(seq)+`}`)); err != nil {
			return fmt.Errorf("pairgen: asking for broadcast %d: %w", seq, err)
		}
	}
	step := time.NewTimer(r.cfg.step)
	defer step.Stop()
	select {
	case <-r.t.burstDone:
	case <-step.C:
		r.incomplete(fmt.Sprintf("burst: %d of %d notifications within %v", r.t.burstGot.Load(), r.t.burstWant, r.cfg.step))
	case <-ctx.Done():
		return ctx.Err()
	}
	u := m.stop()
	got := r.t.burstGot.Load()
	end := r.t.burstLast.Load()
	if end == 0 {
		end = r.t.now()
	}
	if got == 0 {
		return nil
	}
	secs, n := time.Duration(end-t0).Seconds(), float64(got)
	M := r.res.Metrics
	M["burst_msgs"] = n
	M["burst_s"] = secs
	M["burst_msgs_per_s"] = n / secs
	M["burst_server_cpu_us_per_msg"] = us(u.server[0]+u.server[1]) / n
	M["burst_cpu_a_us_per_msg"] = us(u.server[0]) / n
	M["burst_cpu_b_us_per_msg"] = us(u.server[1]) / n
	M["burst_redis_cpu_us_per_msg"] = us(u.redis) / n
	M["burst_gen_cpu_us_per_msg"] = us(u.gen) / n
	M["burst_bg_cores"] = u.otherCores
	for i, sfx := range []string{"a", "b"} {
		var on int32
		for seq := r.t.burstFrom; seq < len(r.t.rounds); seq++ {
			on += r.t.rounds[seq].got[i].Load()
		}
		M["burst_msgs_"+sfx] = float64(on)
	}
	r.log.Info("pairgen: burst", "n", r.cfg.n, "msgs_per_s", M["burst_msgs_per_s"],
		"server_cpu_us_per_msg", M["burst_server_cpu_us_per_msg"])
	return nil
}

func (r *pairRun) incomplete(note string) {
	r.res.Complete = false
	r.res.Notes = append(r.res.Notes, note)
	r.log.Warn("pairgen: " + note)
}

// since is the time from t0 to t (tracker times) in milliseconds.
func since(t, t0 int64) float64 { return float64(t-t0) / 1e6 }

// us is d in (fractional) microseconds.
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// median of v (not empty), v left as it was.
func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
