//go:build !linux

package engine

import "errors"

// Without epoll every websocket keeps its reader goroutine.

var errUnwatched = errors.New("engine: connection not watched")

type poller struct{}

type epollLink struct {
	refused bool
	added   bool
}

func newPoller(*goroutines) *poller { return nil }

func (*poller) add(*wsTransport) bool  { return false }
func (*poller) remove(*wsTransport)    {}
func (*poller) close(*wsTransport)     {}
func (*poller) arm(*wsTransport) error { return errUnwatched }
