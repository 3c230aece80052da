// Command bench serves the "/bench" load-test contract with rtkit, so that
// the typed layer can be measured side by side with the raw zishang520
// server and the Node references of the load harness.
//
// The contract, on namespace /bench, websocket transport only:
//
//   - every socket joins room "broadcast" on connection (a room policy
//     open to anyone, plus AutoJoin);
//   - "echo" {channel: string, 1..100 characters} is validated and
//     acknowledged with rtkit's envelope {"success":true,"data":{}} (an
//     invalid payload gets {"success":false,"error":{…}});
//   - "fanout" {seq: int} broadcasts "notification" (a ~200-byte JSON
//     object {type, channel, seq, ts, body}) to room "broadcast" through
//     rtkit.Emit, which validates and encodes it once.
//
// Validation stays on in both directions, as in a production server.
//
// Usage:
//
//	bench [-addr 127.0.0.1:3901] [-redis URL [-redis-pipeline]] [-otel off|noop|metrics|never|always] [-cpuprofile FILE] [-memprofile FILE] [-pprof ADDR]
//
// -redis-pipeline sets the Redis adapter's Options.Pipeline: broadcasts
// are published without waiting for Redis, pipelined.
//
// -otel turns on package otelrtkit's metrics and traces (see otel.go), to
// measure what instrumentation costs.
//
// For diagnostics, -cpuprofile and -memprofile write a CPU profile (from
// start to shutdown) and an allocation profile (at shutdown), and -pprof
// serves net/http/pprof on a separate address (a heap profile with the
// sockets still connected, say); all are off by default.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
)

// EchoIn is the payload of "echo".
type EchoIn struct {
	Channel string `json:"channel" jsonschema:"minLength=1,maxLength=100"`
}

// EchoOut is the (empty) acknowledgement data of "echo": the client gets
// {"success":true,"data":{}}.
type EchoOut struct{}

// FanoutIn is the payload of "fanout".
type FanoutIn struct {
	Seq int `json:"seq"`
}

// Notification is what "fanout" broadcasts to room "broadcast".
type Notification struct {
	Type    string `json:"type" jsonschema:"enum=notification"`
	Channel string `json:"channel" jsonschema:"minLength=1,maxLength=100"`
	Seq     int    `json:"seq"`
	Ts      int64  `json:"ts"`
	Body    string `json:"body" jsonschema:"maxLength=1000"`
}

// The events of the /bench contract.
var (
	evEcho         = rtkit.NewEvent[EchoIn, EchoOut]("echo", rtkit.Summary("Validated round trip"))
	evFanout       = rtkit.NewEvent[FanoutIn, rtkit.NoAck]("fanout", rtkit.Summary("Broadcast a notification to every socket"))
	evNotification = rtkit.NewEvent[Notification, rtkit.NoAck]("notification", rtkit.Summary("One fan-out message"))
)

// notificationBody pads the notification to ~200 bytes of JSON, as the
// harness's reference servers do.
var notificationBody = strings.Repeat("x", 120)

// newBenchNamespace builds the /bench namespace.
func newBenchNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/bench",
		rtkit.WithRoom("broadcast", rtkit.Anyone, rtkit.RoomDescription("Every connected socket")),
		rtkit.AutoJoin(func(context.Context, *rtkit.Socket) []string { return []string{"broadcast"} }),
	)
	rtkit.Handle(ns, evEcho, func(context.Context, *rtkit.Socket, EchoIn) (EchoOut, error) {
		return EchoOut{}, nil
	})
	rtkit.Handle(ns, evFanout, func(_ context.Context, _ *rtkit.Socket, in FanoutIn) (rtkit.NoAck, error) {
		return rtkit.NoAck{}, rtkit.Emit(ns.To("broadcast"), evNotification, Notification{
			Type:    "notification",
			Channel: "broadcast",
			Seq:     in.Seq,
			Ts:      time.Now().UnixMilli(),
			Body:    notificationBody,
		})
	})
	rtkit.Emits(ns, evNotification)
	return ns
}

// newBenchServer is the rtkit server of the benchmark, /bench mounted;
// with an adapter (Redis, for the two-node benchmark), broadcasts reach
// the other servers too.
func newBenchServer(log *slog.Logger, opts ...rtkit.ServerOption) *rtkit.Server {
	srv := rtkit.NewServer(append([]rtkit.ServerOption{
		rtkit.WithLogger(log),
		rtkit.WithTransports(rtkit.WebSocket),
		// Connection state recovery is off: the references (the raw Go
		// server with the zishang520 defaults, Node socket.io) keep no
		// delivery log, and with recovery on every emit goes through
		// rtkit's log (an append and an offset per broadcast). Turning it
		// off keeps the comparison about the typed layer alone; rtkit then
		// installs no recovery adapter at all.
		rtkit.WithRecovery(0),
	}, opts...)...)
	srv.Mount(newBenchNamespace())
	return srv
}

func main() {
	addr := flag.String("addr", "127.0.0.1:3901", "listen address")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file (diagnostics; off by default)")
	memProfile := flag.String("memprofile", "", "write an allocation profile to this file at shutdown (diagnostics; off by default)")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address, e.g. 127.0.0.1:6060 (diagnostics; off by default)")
	redisURL := flag.String("redis", "", "join the servers of this Redis URL with the sharded Redis adapter (off by default)")
	pipeline := flag.Bool("redis-pipeline", false, "with -redis: publish broadcasts without waiting for Redis, pipelined (the adapter's Options.Pipeline)")
	otelMode := flag.String("otel", "off", "OpenTelemetry instrumentation: off, noop (an observer that does nothing), metrics (no traces), never (metrics, traces sampled never) or always (metrics, every span recorded)")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if *pprofAddr != "" {
		go servePprof(log, *pprofAddr)
	}
	var opts []rtkit.ServerOption
	if *redisURL != "" {
		a, err := adapter.FromURL(*redisURL, adapter.Options{Logger: log, Pipeline: *pipeline})
		if err != nil {
			log.Error("bench: redis", "err", err)
			os.Exit(2)
		}
		opts = append(opts, rtkit.WithAdapter(a))
	}
	obs, stopObs, err := observer(*otelMode)
	if err != nil {
		log.Error("bench: otel", "err", err)
		os.Exit(2)
	}
	if obs != nil {
		opts = append(opts, obs)
	}
	err = run(log, *addr, *cpuProfile, *memProfile, opts...)
	stopObs()
	if err != nil {
		log.Error("bench: exiting", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger, addr, cpuProfile, memProfile string, opts ...rtkit.ServerOption) error {
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if memProfile != "" {
		defer writeHeapProfile(log, memProfile)
	}

	srv := newBenchServer(log, opts...)

	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("bench: listening", "addr", ln.Addr().String(), "pid", os.Getpid())
	// For programs that start it with -addr 127.0.0.1:0 (pairgen's test):
	// the address, on standard output, once connections are accepted.
	fmt.Printf("listening %s\n", ln.Addr())

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)

	select {
	case s := <-sig:
		log.Info("bench: shutting down", "signal", s.String())
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}

	// The harness gives a server 5 s to exit after SIGTERM.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("bench: rtkit shutdown", "err", err)
	}
	if err := hs.Shutdown(ctx); err != nil {
		log.Warn("bench: http shutdown", "err", err)
	}
	return nil
}

// servePprof serves the runtime profiles (net/http/pprof) on addr, apart
// from the Socket.IO listener: for a heap profile with the sockets still
// connected, say.
func servePprof(log *slog.Logger, addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	hs := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := hs.ListenAndServe(); err != nil {
		log.Error("bench: pprof", "err", err)
	}
}

// writeHeapProfile writes the allocation profile (every allocation since
// start, sampled at the default rate).
func writeHeapProfile(log *slog.Logger, path string) {
	f, err := os.Create(path)
	if err != nil {
		log.Error("bench: memprofile", "err", err)
		return
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		log.Error("bench: memprofile", "err", err)
	}
}
