package rtkit_test

import (
	"testing"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

// Every socket owns goroutines; after all tests, servers and clients are
// closed and none may be left behind.
func TestMain(m *testing.M) { leakcheck.Main(m) }
