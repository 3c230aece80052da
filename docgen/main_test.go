package docgen_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The tests build rtkit servers to take their specs; none may leave a
// goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
