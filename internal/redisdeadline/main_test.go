package redisdeadline_test

import (
	"testing"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

// Run starts goroutines: none may be left behind after the tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }
