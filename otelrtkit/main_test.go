package otelrtkit_test

import (
	"testing"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

// Every socket owns goroutines: none may be left behind after the tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }
