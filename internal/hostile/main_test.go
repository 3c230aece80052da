package hostile_test

import (
	"os"
	"testing"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

// Every socket owns goroutines: after the suite, servers, clients and
// node processes are gone and none may be left behind.
func TestMain(m *testing.M) {
	code := leakcheck.Run(m)
	// The node binary the fault tests built goes with the test binary.
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}
