//go:build linux

package engine

import (
	"syscall"
	"unsafe"
)

// writeNonblocking writes b to a non-blocking socket as a raw system call,
// without the runtime's system call bookkeeping: the write never blocks
// (the descriptor is non-blocking), so the processor need not be handed to
// another thread while it runs. With the bookkeeping, a loopback write
// that lasts past one sysmon tick (20 µs) has its processor taken and
// handed to another thread, and sysmon keeps ticking every 20 µs while a
// flush goes on: about 50 hand-offs and 400 sysmon wake-ups per broadcast
// to 5,000 connections, 7 % of the server's CPU (docs/performance.md).
func writeNonblocking(fd uintptr, b []byte) (int, error) {
	r, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}
