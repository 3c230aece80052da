package client_test

import (
	"testing"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

// Every client owns goroutines; after all tests, none may be left behind.
func TestMain(m *testing.M) { leakcheck.Main(m) }
