package main

import (
	"fmt"
	"io"
	"time"
)

// report prints the curve and the verdict, and reports whether it passed.
func report(w io.Writer, cfg config, base Stats, rows []sample, after Stats, t *tally, waiting int) bool {
	mb := func(b uint64) float64 { return float64(b) / (1 << 20) }
	fmt.Fprintf(w, "\nbefore any socket: goroutines %d, heap %.1f MB, RSS %.1f MB, fds %d\n",
		base.Goroutines, mb(base.HeapBytes), mb(base.RSSBytes), base.FDs)
	fmt.Fprintf(w, "%8s %7s %10s %9s %9s %6s %10s %10s %10s %8s %6s %10s %10s\n",
		"t", "sockets", "goroutines", "heap MB", "RSS MB", "fds", "sent", "acked", "broadcasts", "limited", "errors",
		"srv lag", "cli lag")
	for _, r := range rows {
		fmt.Fprintf(w, "%8s %7d %10d %9.1f %9.1f %6d %10d %10d %10d %8d %6d %10s %10s\n",
			r.at.Round(time.Second), r.stats.Sockets, r.stats.Goroutines, mb(r.stats.HeapBytes), mb(r.stats.RSSBytes),
			r.stats.FDs, r.sent, r.acked, r.bcast, r.rl, r.bad,
			r.stats.Lag.Round(time.Millisecond), r.lag.Round(time.Millisecond))
	}
	fmt.Fprintln(w, "(lag: the worst delay of a 100 ms timer in the server and in this process since the previous row;")
	fmt.Fprintln(w, " the server drops a client whose answer to a ping is 20 s late)")
	if d := rows[len(rows)-1].stats.Disconnects; len(d) > 0 {
		fmt.Fprintf(w, "sockets the server saw go before the end, by reason: %v\n", d)
	}
	fmt.Fprintf(w, "after every socket closed: sockets %d, goroutines %d, heap %.1f MB, RSS %.1f MB, fds %d\n",
		after.Sockets, after.Goroutines, mb(after.HeapBytes), mb(after.RSSBytes), after.FDs)

	// The steady state: from the first sample taken while the workload
	// runs to the last one before it stops (the first row is taken before
	// the workload starts, the last after it stopped).
	first, last := rows[0].stats, rows[len(rows)-1].stats
	if len(rows) >= 4 {
		first, last = rows[1].stats, rows[len(rows)-2].stats
	}
	fmt.Fprintf(w, "steady state compared: samples at %v and %v\n", rowAt(rows, 1), rowAt(rows, len(rows)-2))
	ok := true
	check := func(pass bool, format string, args ...any) {
		verdict := "ok  "
		if !pass {
			verdict, ok = "FAIL", false
		}
		fmt.Fprintf(w, "%s "+format+"\n", append([]any{verdict}, args...)...)
	}
	fmt.Fprintln(w)
	end := rows[len(rows)-1].stats
	check(end.Sockets == cfg.sockets, "sockets connected at the end: %d of %d", end.Sockets, cfg.sockets)
	check(t.disconnects.Load() == 0, "connections lost: %d (%d of them flooders)", t.disconnects.Load(), t.flooderDisconnects.Load())
	check(t.unexpected.Load() == 0, "errors beyond the flooders' rate limits: %d %v", t.unexpected.Load(), t.failures())
	check(waiting == 0, "acknowledgements unanswered: %d", waiting)
	check(t.broadcasts.Load() == t.owed || t.disconnects.Load() > 0,
		"room broadcasts delivered: %d of %d owed (each acknowledged one, to every member of the team)", t.broadcasts.Load(), t.owed)
	check(t.rateLimited.Load() > 0 || cfg.sockets < 100, "flooders were rate limited: %d refusals", t.rateLimited.Load())
	check(last.Goroutines <= first.Goroutines+first.Goroutines/50+20,
		"goroutines flat: %d → %d", first.Goroutines, last.Goroutines)
	check(last.FDs <= first.FDs+20, "file descriptors flat: %d → %d", first.FDs, last.FDs)
	check(last.HeapBytes <= first.HeapBytes+first.HeapBytes/2+16<<20,
		"heap flat (after GC): %.1f → %.1f MB", mb(first.HeapBytes), mb(last.HeapBytes))
	if !cfg.inProcess {
		check(after.Goroutines <= base.Goroutines+10, "goroutines back to the baseline once closed: %d → %d",
			base.Goroutines, after.Goroutines)
		check(after.FDs <= base.FDs+10, "descriptors back to the baseline once closed: %d → %d", base.FDs, after.FDs)
	}
	fmt.Fprintf(w, "slowest acknowledgement: %v\n", time.Duration(t.slowest.Load()).Round(time.Millisecond))
	if ok {
		fmt.Fprintln(w, "verdict: PASS")
	} else {
		fmt.Fprintln(w, "verdict: FAIL")
	}
	return ok
}

func rowAt(rows []sample, i int) time.Duration {
	if len(rows) < 4 {
		i = min(i, len(rows)-1)
		i = max(i, 0)
	}
	return rows[i].at.Round(time.Second)
}
