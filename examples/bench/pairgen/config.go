package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"time"
)

// Bounds on a run: a generator that floods the machine or never ends is a
// worse measurement than none.
const (
	maxSockets    = 20_000
	maxSingles    = 200
	maxBurstMsgs  = 2_000_000 // notifications a burst delivers in all
	maxRunTimeout = 10 * time.Minute
	maxStep       = time.Minute
	warmups       = 5 // broadcasts tried until one reaches every socket
)

// config is one run against a pair of servers.
type config struct {
	urls     [2]string // ws://127.0.0.1:PORT of each server
	pids     [3]int    // each server's PID and redis-server's (0: not measured)
	nsp      string
	n        int // sockets, even ones on the first server, odd ones on the second
	singles  int // broadcasts measured one at a time
	burst    int // broadcasts sent back to back
	gap      time.Duration
	step     time.Duration // limit for one broadcast, or the burst, to reach everyone
	settle   time.Duration // idle time before the memory is read
	dialConc int
	timeout  time.Duration // limit for the whole run

	label  string // the servers' name in the results
	rep    int
	pinned bool
}

// register binds the run's flags.
func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.urls[0], "url", "ws://127.0.0.1:3911", "first server (socket 0, which asks for the broadcasts, is on it)")
	fs.StringVar(&c.urls[1], "url2", "ws://127.0.0.1:3912", "second server")
	fs.IntVar(&c.pids[0], "pid", 0, "first server's PID, for its CPU and memory (0: not measured)")
	fs.IntVar(&c.pids[1], "pid2", 0, "second server's PID")
	fs.IntVar(&c.pids[2], "redis-pid", 0, "redis-server's PID, for its CPU (0: counted with the other processes)")
	fs.StringVar(&c.nsp, "nsp", "/bench", "namespace")
	fs.IntVar(&c.n, "n", 1000, "sockets, half on each server, all in room \"broadcast\"")
	fs.IntVar(&c.singles, "singles", 10, "broadcasts measured one at a time")
	fs.IntVar(&c.burst, "burst", 100, "broadcasts sent back to back")
	fs.DurationVar(&c.gap, "gap", 20*time.Millisecond, "pause after each single broadcast")
	fs.DurationVar(&c.step, "step-timeout", 10*time.Second, "limit for one broadcast, or the burst, to reach every socket")
	fs.DurationVar(&c.settle, "settle", 2*time.Second, "idle time after connecting, before the servers' memory is read")
	fs.IntVar(&c.dialConc, "dial-concurrency", 50, "connections opened at once")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "limit for the whole run")
	fs.StringVar(&c.label, "server", "unknown", "the servers' name in the results")
	fs.IntVar(&c.rep, "rep", 1, "repetition number, copied to the results")
	fs.BoolVar(&c.pinned, "pinned", false, "mark the results as pinned (servers and generator on CPUs of their own)")
}

// check refuses a run outside the bounds, or against anything but a
// loopback address.
func (c *config) check() error {
	var errs []error
	for _, u := range c.urls {
		errs = append(errs, loopbackWS(u))
	}
	bound := func(name string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s %d: want %d..%d", name, v, lo, hi))
		}
	}
	bound("-n", c.n, 2, maxSockets)
	bound("-singles", c.singles, 1, maxSingles)
	bound("-burst", c.burst, 0, maxBurstMsgs/max(c.n, 1))
	bound("-dial-concurrency", c.dialConc, 1, 1000)
	if c.timeout <= 0 || c.timeout > maxRunTimeout {
		errs = append(errs, fmt.Errorf("-timeout %v: want up to %v", c.timeout, maxRunTimeout))
	}
	if c.step <= 0 || c.step > maxStep {
		errs = append(errs, fmt.Errorf("-step-timeout %v: want up to %v", c.step, maxStep))
	}
	if c.gap < 0 || c.gap > time.Second || c.settle < 0 || c.settle > time.Minute {
		errs = append(errs, fmt.Errorf("-gap %v, -settle %v: want 0..1s, 0..1m", c.gap, c.settle))
	}
	for i, p := range c.pids {
		if p < 0 {
			errs = append(errs, fmt.Errorf("PID %d (flag %d): negative", p, i+1))
		}
	}
	if len(c.nsp) < 2 || c.nsp[0] != '/' {
		errs = append(errs, fmt.Errorf("-nsp %q: want /name", c.nsp))
	}
	return errors.Join(errs...)
}

// loopbackWS accepts ws://IP:PORT with a loopback IP and no path: the
// generator loads only this machine.
func loopbackWS(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("server URL %q: %w", s, err)
	}
	host, _, err := net.SplitHostPort(u.Host)
	ip := net.ParseIP(host)
	if u.Scheme != "ws" || err != nil || ip == nil || !ip.IsLoopback() || u.Path != "" || u.RawQuery != "" {
		return fmt.Errorf("server URL %q: want ws://127.0.0.1:PORT (loopback only, no path)", s)
	}
	return nil
}
