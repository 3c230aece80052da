// Command rtkitnode runs one rtkit server with the Redis adapter. It exists
// for the multi-process tests of package adapter (adapter/process_test.go),
// which build it, start two or three of it against one redis-server and
// check that typed emits cross separate OS processes; it is not meant for
// anything else.
//
// It reads the Redis URL from REDIS_URL (or -redis) and listens on
// 127.0.0.1:PORT (PORT from -port or the PORT environment variable; 0, the
// default, picks a free port). The first line it writes on stdout is the
// address it listens on:
//
//	listening 127.0.0.1:12345
//
// It serves the namespace "/chat" declared as the adapter tests declare
// it: rooms "r:{id}", joined at connection from the comma-separated
// handshake auth.rooms, and the server → client event "note:new". A client
// → server event "relay" {room, text, id} makes this process emit
// note:new {text, id} to that room (or socket id), through the adapter,
// so that a test can make any one process broadcast. The server event
// "node:who" is answered with the process id.
//
// With -log, the server keeps its delivery log in Redis (package redislog),
// so that a client may recover its session on another node, and it also
// serves the chaos tests' namespace (internal/chaos): "/chaos", every
// socket in room "feed", the server → client event "tick".
//
// SIGTERM or SIGINT shuts it down gracefully (rtkit first, then HTTP), and
// so does the end of its standard input with -watch-stdin: a test gives it
// a pipe, whose end tells the node that the test process died without
// stopping it. Logs go to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit/internal/chaos"
	"github.com/rtkit-go/rtkit/internal/chatcontract"
	"github.com/rtkit-go/rtkit/redislog"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
)

// newNamespace declares /chat as the adapter tests do, plus the relay
// handler and the handler of the server event node:who.
func newNamespace() *rtkit.Namespace {
	ns := chatcontract.Namespace()
	rtkit.Handle(ns, chatcontract.RelayEvent, func(_ context.Context, _ *rtkit.Socket, in chatcontract.Relay) (rtkit.NoAck, error) {
		return rtkit.NoAck{}, rtkit.Emit(ns.To(in.Room), chatcontract.NoteNew, chatcontract.Note{Text: in.Text, ID: in.ID})
	})
	rtkit.HandleServer(ns, chatcontract.ServerWho, func(context.Context, chatcontract.Who) (chatcontract.Whoami, error) {
		return chatcontract.Whoami{PID: os.Getpid()}, nil
	})
	return ns
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("rtkitnode: stopped", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	port := os.Getenv("PORT")
	if port == "" {
		port = "0"
	}
	flag.StringVar(&port, "port", port, "TCP port on 127.0.0.1 (0: any free port)")
	redisURL := flag.String("redis", os.Getenv("REDIS_URL"), "Redis URL (default $REDIS_URL)")
	watchStdin := flag.Bool("watch-stdin", false, "shut down when standard input ends (the parent process died)")
	withLog := flag.Bool("log", false, "keep the delivery log in Redis and serve /chaos")
	flag.Parse()
	if *redisURL == "" {
		return errors.New("no Redis URL: set REDIS_URL or -redis")
	}

	a, err := adapter.FromURL(*redisURL, adapter.Options{Logger: log})
	if err != nil {
		return err
	}
	opts := []rtkit.ServerOption{rtkit.WithAdapter(a), rtkit.WithLogger(log)}
	if *withLog {
		ro, err := redis.ParseURL(*redisURL)
		if err != nil {
			return err
		}
		ro.ContextTimeoutEnabled = true // the log's Timeout bounds each command
		rc := redis.NewClient(ro)
		defer rc.Close()
		opts = append(opts, rtkit.WithDeliveryLog(redislog.New(rc, redislog.Options{})))
	}
	srv := rtkit.NewServer(opts...)
	srv.Mount(newNamespace())
	if *withLog {
		srv.Mount(chaos.Namespace())
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		_ = srv.Shutdown(context.Background())
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, parentGone := context.WithCancel(ctx)
	defer parentGone()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			log.Info("rtkitnode: standard input ended")
			parentGone()
		}()
	}

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	// The tests read this line to learn the address: keep it first.
	fmt.Printf("listening %s\n", ln.Addr())
	log.Info("rtkitnode: listening", "addr", ln.Addr().String(), "namespace", "/chat", "pid", os.Getpid())

	select {
	case err := <-served:
		_ = srv.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	stop() // a second signal kills the process the default way
	log.Info("rtkitnode: shutting down")

	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// rtkit first: websocket connections are hijacked, so http.Server
	// neither sees nor waits for them.
	err = srv.Shutdown(sctx)
	if herr := hs.Shutdown(sctx); herr != nil && err == nil {
		err = herr
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	log.Info("rtkitnode: stopped cleanly")
	return nil
}
