//go:build !linux

package engine

import "syscall"

// sendNow writes b to the non-blocking socket fd (see sendnow_linux.go).
func sendNow(fd uintptr, b []byte) (int, error) {
	return syscall.Write(int(fd), b)
}
