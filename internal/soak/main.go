// Command soak holds thousands of Socket.IO connections to an rtkit server
// with authentication, rate limits and room policies on (the server of
// internal/hostile), drives a mixed workload through them for a while,
// samples the server's goroutines, heap, resident memory and open file
// descriptors, and prints the curve and a verdict.
//
//	go run ./internal/soak                              # 5,000 sockets, 10 minutes
//	go run ./internal/soak -sockets 300 -duration 5s -every 1s
//	go run ./internal/soak -storm 1000                  # 1,000 connects within a second
//
// By default the server runs in a child process (this command started with
// -serve), so that the samples are the server's alone; -inprocess runs it
// in this process. Every socket authenticates with its own token, joins
// its team's room and sends, every -every (with jitter): an acknowledged
// echo, now and then a broadcast to its team or a join; one socket in a
// hundred also floods bursts beyond its rate limit. The verdict fails on
// any error but the flooders' RATE_LIMITED, on an acknowledgement left
// unanswered, on a room message missing (each broadcast the server
// acknowledged is owed to every member of the sender's team), and on
// goroutines, heap or descriptors that grow between the first and the last
// sample of the steady state.
//
// -ping-timeout sets the server's heartbeat timeout (rtkit's default is
// 30 s): with a timeout shorter than the 25 s interval, such as Socket.IO's
// usual 20 s, the underlying engine loses about one connection in 4,000
// pings to a race between a fast pong and the arming of its timer (see
// docs/security.md).
//
// Everything listens and connects on 127.0.0.1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.sockets, "sockets", 5000, "connected sockets")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Minute, "how long the workload runs once every socket is connected")
	flag.DurationVar(&cfg.sample, "sample", 30*time.Second, "sampling interval")
	flag.DurationVar(&cfg.every, "every", 20*time.Second, "mean interval between two events of one socket")
	flag.IntVar(&cfg.storm, "storm", 0, "instead of the soak, open this many connections within one second and check the server")
	flag.BoolVar(&cfg.inProcess, "inprocess", false, "run the server in this process")
	serve := flag.Bool("serve", false, "only run the server; print its address and serve until SIGTERM")
	watchStdin := flag.Bool("watch-stdin", false, "with -serve: also shut down when standard input ends (the parent died)")
	flag.IntVar(&cfg.port, "port", 0, "with -serve: port on 127.0.0.1 (0: any)")
	flag.IntVar(&cfg.newConnsPerSecond, "new-conns-per-second", 0, "server: new connections per address and second (0: unlimited)")
	flag.DurationVar(&cfg.pingTimeout, "ping-timeout", 0, "server: heartbeat timeout (0: rtkit's default); the interval stays 25 s")
	flag.Parse()
	raiseFileLimit()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case *serve:
		if *watchStdin {
			var parentGone context.CancelFunc
			ctx, parentGone = context.WithCancel(ctx)
			go func() {
				_, _ = io.Copy(io.Discard, os.Stdin)
				parentGone()
			}()
		}
		err = serveUntil(ctx, cfg, log)
	case cfg.storm > 0:
		var ok bool
		ok, err = runStorm(ctx, cfg, os.Stdout)
		if err == nil && !ok {
			os.Exit(1)
		}
	default:
		var ok bool
		ok, err = runSoak(ctx, cfg, os.Stdout)
		if err == nil && !ok {
			os.Exit(1)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
}

// config is what the flags set.
type config struct {
	sockets           int
	duration          time.Duration
	sample            time.Duration
	every             time.Duration
	storm             int
	inProcess         bool
	port              int
	newConnsPerSecond int
	pingTimeout       time.Duration
}

// raiseFileLimit lifts the soft limit on open files to the hard one: each
// socket is a descriptor on both ends.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
