package logtest_test

import (
	"testing"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/logtest"
)

// A delivery log's own test runs the suite with a fresh log per subtest;
// a shared log returns, within one subtest, logs of one store.
func ExampleRun() {
	testLog := func(t *testing.T) {
		logtest.Run(t, func(*testing.T) rtkit.DeliveryLog {
			return rtkit.NewMemoryLog(rtkit.MemoryLogOptions{})
		})
	}
	_ = testLog // func TestLog(t *testing.T) in a log's _test.go file
}
