package app

import (
	"log/slog"
	"net"
	"strconv"
	"sync"
)

// listen returns the listener the application serves on: Options.Listener,
// or a new one on the configured port of every interface.
func (a *App) listen() (net.Listener, error) {
	if a.ln != nil {
		return a.ln, nil
	}
	return net.Listen("tcp", ":"+strconv.Itoa(a.cfg.Port))
}

// perAddressListener bounds the connections one remote address may hold
// open at once: beyond max, a new connection from that address is closed
// as soon as it is accepted, before it costs a goroutine or a request. It
// keeps one client from taking every file descriptor of the process
// (websockets that never join a namespace, idle keep-alives, slow bodies)
// while the others still get in.
type perAddressListener struct {
	net.Listener
	max int
	log *slog.Logger

	mu   sync.Mutex
	open map[string]int
}

func limitPerAddress(ln net.Listener, max int, log *slog.Logger) net.Listener {
	return &perAddressListener{Listener: ln, max: max, log: log, open: map[string]int{}}
}

// Accept returns the next connection whose address is under its bound.
func (l *perAddressListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := hostOf(c.RemoteAddr())
		l.mu.Lock()
		over := l.open[host] >= l.max
		if !over {
			l.open[host]++
		}
		l.mu.Unlock()
		if over {
			l.log.Debug("connection refused: too many from one address", "addr", host, "max", l.max)
			_ = c.Close()
			continue
		}
		return &countedConn{Conn: c, release: func() { l.release(host) }}, nil
	}
}

func (l *perAddressListener) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[host]--; l.open[host] <= 0 {
		delete(l.open, host)
	}
}

func hostOf(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// countedConn gives its slot back once, when closed (by the HTTP server,
// or by the websocket that hijacked it).
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
