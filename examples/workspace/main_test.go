package main

import (
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// Every socket and HTTP server owns goroutines; after all tests, servers,
// clients and child processes are gone and none may be left behind.
func TestMain(m *testing.M) {
	// Tests stop redis-server on purpose; go-redis's dial errors are noise.
	redis.SetLogger(redisLog{slog.New(slog.DiscardHandler)})
	code := m.Run()
	removeBuiltBinary()
	if code == 0 {
		// The Go client's engine package starts a network monitor when it
		// is imported; it lives as long as the process.
		err := goleak.Find(goleak.IgnoreTopFunction("github.com/zishang520/socket.io/v3/pkg/utils.SetInterval.func1"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "goleak: goroutines left after the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
