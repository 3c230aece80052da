package auth_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every socket owns goroutines; after all tests, servers, clients and
// expiry timers are gone and none may be left behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The Go client's engine package starts a network monitor when it
		// is imported; it lives as long as the process.
		goleak.IgnoreTopFunction("github.com/zishang520/socket.io/v3/pkg/utils.SetInterval.func1"))
}
