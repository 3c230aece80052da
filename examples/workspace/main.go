// Command workspace is rtkit's example application: a small workspace API
// with users, sessions, documents and notifications, over REST and two
// typed Socket.IO namespaces, /notifications and /documents.
//
//	go run ./examples/workspace
//
// It listens on PORT (3000), or on the socket inherited under socket
// activation (LISTEN_FDS=1), and serves the REST API under /api/, GET
// /health, the Socket.IO endpoint (SOCKET_IO_PATH, /socket.io), the
// official client script at /vendor/socket.io.min.js and a demo page at /.
// See README.md for the configuration, the API and the events.
//
// SIGINT or SIGTERM shuts it down gracefully within 10 seconds (exit
// status 0); a shutdown cut short, or a second signal, exits with 1.
//
// With -print-spec it prints the Socket.IO contract (the JSON of
// rtkit's Server.Spec) and exits, for cmd/rtkit-docs:
//
//	go run ./examples/workspace -print-spec | go run ./cmd/rtkit-docs -out docs/workspace -title "Workspace" -
package main

import (
	"context"
	"embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/app"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
)

// webFiles is the demo page.
//
//go:embed web
var webFiles embed.FS

func main() {
	printSpec := flag.Bool("print-spec", false, "print the Socket.IO contract as JSON and exit")
	flag.Parse()
	if *printSpec {
		os.Exit(writeSpec(os.Stdout))
	}
	os.Exit(run())
}

// writeSpec writes the contract of the Socket.IO side, as the default
// configuration serves it, and returns the exit status.
func writeSpec(w io.Writer) int {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The contract needs no data: a database in a directory of its own,
	// removed afterwards.
	dir, err := os.MkdirTemp("", "workspace-spec-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	cfg.DataDir = dir
	a, err := app.New(cfg, app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = a.Shutdown(context.Background()) }()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(a.Realtime().RT().Spec()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// redisLog routes go-redis's log lines to slog at debug level.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// run returns the process's exit status.
func run() int {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "workspace: invalid configuration: %v\n", err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(log)
	var ln net.Listener
	if cfg.InheritedSocket {
		// First, before a file of the process could take descriptor 3.
		if ln, err = app.Inherited(); err != nil {
			log.Error("workspace: cannot start", "err", err)
			return 1
		}
	}
	// go-redis writes a line per failed dial while Redis is down; the
	// adapter and /health already report outages (throttled), so its own
	// lines go to debug.
	redis.SetLogger(redisLog{log})

	web, err := fs.Sub(webFiles, "web")
	if err != nil {
		log.Error("workspace: embedded page", "err", err)
		return 1
	}
	a, err := app.New(cfg, app.Options{Logger: log, Web: web, Listener: ln})
	if err != nil {
		if ln != nil {
			_ = ln.Close()
		}
		log.Error("workspace: cannot start", "err", err)
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, a second one forces the exit.
		<-ctx.Done()
		stop()
		again := make(chan os.Signal, 1)
		signal.Notify(again, os.Interrupt, syscall.SIGTERM)
		<-again
		log.Error("workspace: second signal, exiting without finishing the shutdown")
		os.Exit(1)
	}()

	if err := a.Run(ctx); err != nil {
		log.Error("workspace: stopped", "err", err)
		return 1
	}
	return 0
}
