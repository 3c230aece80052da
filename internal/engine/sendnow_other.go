//go:build !linux || race

package engine

import "syscall"

// sendNow writes b to the non-blocking socket fd (see sendnow_linux.go).
// Race-detector builds keep syscall.Write: the detector takes each write
// of the standard library as a release that the peer's read acquires, and
// tests that hand data from a handler to a client over a socket rely on
// that edge.
func sendNow(fd uintptr, b []byte) (int, error) {
	return syscall.Write(int(fd), b)
}
