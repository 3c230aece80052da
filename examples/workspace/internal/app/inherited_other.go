//go:build !unix

package app

import (
	"errors"
	"net"
)

// Inherited reports that socket activation needs a Unix system.
func Inherited() (net.Listener, error) {
	return nil, errors.New("LISTEN_FDS=1: socket activation needs a Unix system")
}
