package hostile_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Every socket owns goroutines: after the suite, servers, clients and
// node processes are gone and none may be left behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The node binary the fault tests built goes with the test binary.
		goleak.Cleanup(func(code int) {
			if binDir != "" {
				_ = os.RemoveAll(binDir)
			}
			os.Exit(code)
		}),
		// The Go client's engine package starts a network monitor when it
		// is imported; it lives as long as the process.
		goleak.IgnoreTopFunction("github.com/zishang520/socket.io/v3/pkg/utils.SetInterval.func1"))
}
