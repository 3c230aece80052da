// Package proctest helps tests that run programs of this module as child
// processes: it builds a program into a temporary folder, starts it with
// its output captured, waits for it to be ready, and stops it by its PID
// (SIGTERM, then SIGKILL) when the test ends, showing its output if the
// test failed. Its Buffer also serves tests that capture a server log.
package proctest
