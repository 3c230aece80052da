package main

import (
	"testing"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

// The soak's clients and in-process server own goroutines: once a test
// has closed them, none may be left.
func TestMain(m *testing.M) { leakcheck.Main(m) }
