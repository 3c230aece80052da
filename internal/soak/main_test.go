package main

import (
	"testing"

	"go.uber.org/goleak"
)

// The soak's clients and in-process server own goroutines: once a test
// has closed them, none may be left.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
