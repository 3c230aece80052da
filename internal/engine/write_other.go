//go:build !linux

package engine

import "syscall"

// writeNonblocking writes b to a non-blocking socket.
func writeNonblocking(fd uintptr, b []byte) (int, error) {
	return syscall.Write(int(fd), b)
}
