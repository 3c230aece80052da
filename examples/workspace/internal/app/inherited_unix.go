//go:build unix

package app

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// listenFD is the first descriptor socket activation passes (SD_LISTEN_FDS_START).
const listenFD = 3

// Inherited returns the listening socket inherited as file descriptor 3
// under socket activation (config.Config.InheritedSocket). Descriptor 3
// is checked to be a socket before anything else: when none was
// inherited, it may be a file the Go runtime opened at start (the cgroup
// CPU limit it reads again later), which must stay open.
func Inherited() (net.Listener, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(listenFD, &st); err != nil {
		return nil, fmt.Errorf("LISTEN_FDS=1: no file descriptor 3 inherited: %w", err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		return nil, errors.New("LISTEN_FDS=1: file descriptor 3 is not a socket: none was inherited")
	}
	f := os.NewFile(listenFD, "LISTEN_FDS socket")
	defer func() { _ = f.Close() }() // FileListener holds a duplicate
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("LISTEN_FDS=1: file descriptor 3 is not a listening socket: %w", err)
	}
	return ln, nil
}
