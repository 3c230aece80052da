// Command pairgen measures a room broadcast through a scale-out adapter:
// N websocket clients, half on each of two Socket.IO servers that share
// one adapter (Redis), all in room "broadcast" of namespace /bench. It is
// the generator of examples/bench/redispair.sh, which runs two rtkit
// servers (examples/bench -redis) and two Node.js socket.io servers with
// @socket.io/redis-adapter (adapter/testdata/node/bench.mjs) in turn.
//
//	pairgen run -url ws://127.0.0.1:3911 -url2 ws://127.0.0.1:3912 -pid A -pid2 B [-redis-pid R] -server NAME -n 1000 -burst 100
//	pairgen summarize [-base NAME] results.jsonl...
//
// # The servers
//
// Both serve the load harness's /bench contract over Engine.IO v4 /
// Socket.IO v5 on the websocket transport: a socket of /bench joins room
// "broadcast" on connection, and "fanout" {seq} broadcasts to that room
// "notification", a JSON object of about 200 bytes holding the same seq.
//
// # What a run measures
//
// Sockets 0, 2, 4, … connect to the first server, 1, 3, 5, … to the second;
// socket 0 asks for every broadcast, so the first server delivers to its
// half and publishes, the second delivers what the adapter brings it. The
// clients speak the protocol by hand and never decode a notification's
// JSON (its seq is found by a scan), so that the generator's CPU stays
// small beside the servers'.
//
//  1. Connect the N sockets (-dial-concurrency at a time); after -settle,
//     read both servers' memory (VmRSS).
//  2. Warm up: broadcasts until one reaches every socket (at most 5): both
//     subscriptions are then in place.
//  3. -singles broadcasts, one at a time: for each, the time from the
//     request until all N sockets have it, until the first and the last
//     socket of each server have it; the medians are reported, and the
//     servers' CPU (utime+stime of /proc/PID/stat, 10 ms resolution) over
//     the phase divided by the broadcasts.
//  4. A burst of -burst broadcasts asked for back to back: delivered
//     notifications per second (from the first request to the last
//     delivery) and the servers' CPU per delivered notification.
//
// Each phase also reports the generator's own CPU, redis-server's (with
// -redis-pid) and the CPU every other process of the machine used (the
// neighbours' noise, in cores). The output is one JSON line per run, on
// standard output; its fields and the metrics shared with the load
// harness's loadgen mean the same.
//
// # Bounds
//
// Only loopback server URLs are accepted; N, the broadcasts and the
// burst's notifications are bounded; -timeout bounds the whole run and
// -step-timeout each broadcast and the burst, after which the result is
// marked incomplete with a note. The run ends by itself, every socket
// closed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		printUsage()
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(log, os.Args[2:])
	case "summarize":
		fs := flag.NewFlagSet("summarize", flag.ExitOnError)
		base := fs.String("base", "rtkit", "the server whose medians are divided by the others'")
		_ = fs.Parse(os.Args[2:])
		err = summarize(os.Stdout, *base, fs.Args())
	default:
		printUsage()
	}
	if err != nil {
		log.Error("pairgen: " + err.Error())
		os.Exit(1)
	}
}

func printUsage() {
	fmt.Fprintln(os.Stderr, "usage: pairgen run [flags] | pairgen summarize [-base NAME] FILE...   (pairgen run -h for the flags)")
	os.Exit(2)
}

// runCmd runs one measurement and prints its result as a JSON line.
func runCmd(log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	var cfg config
	cfg.register(fs)
	_ = fs.Parse(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := measure(ctx, cfg, log)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
