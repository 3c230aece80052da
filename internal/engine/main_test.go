package engine_test

import (
	"testing"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

// Connections own goroutines (readers, drains, long-polling requests);
// after all tests none may be left behind.
func TestMain(m *testing.M) { leakcheck.Main(m) }
