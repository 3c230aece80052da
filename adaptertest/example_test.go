package adaptertest_test

import (
	"testing"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adaptertest"
)

// An adapter's own test runs the suite with as many servers as its
// deployment can hold (three adapters of one Redis, say). This one runs
// it on the in-memory adapter: one server.
func ExampleRun() {
	testAdapter := func(t *testing.T) {
		adaptertest.Run(t, adaptertest.Harness{
			Servers:    1,
			NewAdapter: func(*testing.T) rtkit.Adapter { return rtkit.NewMemoryAdapter() },
		})
	}
	_ = testAdapter // func TestAdapter(t *testing.T) in an adapter's _test.go file
}
