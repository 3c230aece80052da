//go:build linux

package engine

import (
	"errors"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// The epoll poller: idle websocket connections without a goroutine.
//
// Each engine Server has one poller, started when its first websocket is
// watched and stopped (its goroutine ended, its epoll descriptor closed)
// when the last one is forgotten, so that a server with no websocket, or a
// closed one, runs nothing. Per server rather than per process: servers
// stay independent (no package-level state, one server's churn never
// touches another's map or lock), and a poller costs one goroutine and one
// descriptor, not a thread: the epoll descriptor is itself waited on
// through the runtime's network poller (os.NewFile of a non-blocking
// descriptor, read through syscall.RawConn), so the poller parks like any
// network read and ends when the file is closed.
//
// A watched connection is registered with EPOLLIN|EPOLLRDHUP|EPOLLONESHOT
// under an id of the poller's own (descriptors are reused; ids are not).
// When it becomes readable, the poller looks the id up (an id no longer in
// the map is stale and ignored) and starts one goroutine for it, which
// reads without waiting until the socket is drained, delivers what it read
// exactly as the goroutine reader does, re-arms the registration and ends.
// ONESHOT keeps one reader at a time per connection; a reader that blocks
// (a handler applying backpressure) holds up its own connection only.
// Every epoll_ctl on a connection's descriptor runs inside
// RawConn.Control, which fails instead of running once the connection is
// closed, so that a closed descriptor's number, reused by a newer
// connection, is never touched. A closing connection leaves the map for
// good before its descriptor closes (add refuses it from then on): a
// reader handing it over at that moment would otherwise put it back, and
// the poller, never seeing its last connection leave, would outlive the
// server.
//
// No netpoll framework is used: mailru/easygo duplicates descriptors into
// blocking mode, and gnet and cloudwego/netpoll replace net/http's server,
// which the engine mounts on.

// epollEvents is what a watched connection is registered for.
const epollEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

var errUnwatched = errors.New("engine: connection not watched")

// poller watches a Server's websocket connections between reads. Its
// methods are safe for concurrent use.
type poller struct {
	gs    *goroutines // its loop and the readers it starts count here
	mu    sync.RWMutex
	ep    *epollFile // nil while no connection is watched
	conns map[uint64]*wsTransport
	next  uint64
}

// epollFile is one running epoll instance and its waiting goroutine.
type epollFile struct {
	fd int
	f  *os.File
}

// epollLink is a transport's state in the poller: its id (guarded by
// poller.mu) and, for its reader, the epoll_ctl callback and its arguments,
// kept here so that re-arming allocates nothing.
type epollLink struct {
	id      uint64
	closed  bool   // its connection closed: never watched again (guarded by poller.mu)
	refused bool   // epoll refused it: it keeps its reader goroutine (reader state)
	serve   func() // t.serve, made once so that starting a reader allocates nothing
	added   bool   // registered with EPOLL_CTL_ADD (reader state)
	ctl     func(fd uintptr)
	epfd    int
	op      int
	ev      unix.EpollEvent
	err     error
}

func newPoller(gs *goroutines) *poller { return &poller{gs: gs, conns: map[uint64]*wsTransport{}} }

// add watches t under an id of its own, which it keeps until remove, and
// starts the poller if it was not running; false when epoll cannot be used
// (t then keeps a reader goroutine) or t is closing.
func (p *poller) add(t *wsTransport) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.ep.closed {
		// Its reader hands it over while it closes: watched again, it
		// would stay in the map once its descriptor is gone, and the
		// poller would never see its last connection leave.
		return false
	}
	if t.ep.id != 0 && p.conns[t.ep.id] == t {
		return true // watched already: its reader handed it back again
	}
	if p.ep == nil {
		ep, err := openEpoll()
		if err != nil {
			return false
		}
		p.ep = ep
		p.gs.start()
		go p.loop(ep)
	}
	p.next++
	t.ep.id = p.next
	if t.ep.serve == nil {
		t.ep.serve = t.serve
	}
	p.conns[t.ep.id] = t
	return true
}

// remove forgets t (idempotent) and stops the poller once it watches
// nothing.
func (p *poller) remove(t *wsTransport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removeLocked(t)
}

// close forgets t for good, before its descriptor closes: add refuses it
// from now on.
func (p *poller) close(t *wsTransport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t.ep.closed = true
	p.removeLocked(t)
}

func (p *poller) removeLocked(t *wsTransport) {
	if t.ep.id == 0 || p.conns[t.ep.id] != t {
		return
	}
	delete(p.conns, t.ep.id)
	if len(p.conns) == 0 {
		_ = p.ep.f.Close() // ends loop; the kernel drops any registration left
		p.ep = nil
	}
}

// arm registers t's descriptor (first) or re-arms its one-shot
// registration; an error means t is closed or no longer watched.
func (p *poller) arm(t *wsTransport) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.conns[t.ep.id] != t {
		return errUnwatched
	}
	l := &t.ep
	if l.ctl == nil {
		l.ctl = t.doCtl
	}
	l.epfd, l.op = p.ep.fd, unix.EPOLL_CTL_MOD
	if !l.added {
		l.op = unix.EPOLL_CTL_ADD
	}
	l.ev = unix.EpollEvent{Events: epollEvents, Fd: int32(uint32(l.id)), Pad: int32(uint32(l.id >> 32))}
	if err := t.rc.Control(l.ctl); err != nil {
		return err
	}
	if l.err != nil {
		err := l.err
		l.err = nil
		return err
	}
	l.added = true
	return nil
}

// doCtl is the epoll_ctl callback; it runs while the descriptor is held open.
func (t *wsTransport) doCtl(fd uintptr) {
	l := &t.ep
	l.err = unix.EpollCtl(l.epfd, l.op, int(fd), &l.ev)
}

func openEpoll() (*epollFile, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil { // so that os.NewFile uses the network poller
		_ = unix.Close(fd)
		return nil, err
	}
	return &epollFile{fd: fd, f: os.NewFile(uintptr(fd), "epoll")}, nil
}

// loop waits for ready connections and starts a reader for each; it ends
// when remove closes ep.
func (p *poller) loop(ep *epollFile) {
	defer p.gs.end()
	rc, err := ep.f.SyscallConn()
	if err != nil {
		return
	}
	events := make([]unix.EpollEvent, 128)
	var n int
	var werr error
	wait := func(fd uintptr) bool {
		for {
			n, werr = unix.EpollWait(int(fd), events, 0)
			if werr != unix.EINTR {
				break
			}
		}
		return n > 0 || werr != nil // nothing ready: wait for the descriptor
	}
	for {
		if err := rc.Read(wait); err != nil || werr != nil {
			return // closed: nothing left to watch
		}
		p.mu.RLock()
		for _, ev := range events[:n] {
			id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			if t := p.conns[id]; t != nil {
				p.gs.start()
				go t.ep.serve()
			}
		}
		p.mu.RUnlock()
	}
}
