package rtkit

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// zNamespace is a namespace on the zishang520 server.
type zNamespace struct {
	n    *Namespace
	core *zCore
	raw  socket.Namespace
	// pending holds the sockets between handshake and "connection"
	// (*socket.Socket → *pendingSocket).
	pending sync.Map
}

// pendingSocket is a socket between handshake and "connection".
type pendingSocket struct {
	s      *Socket
	joined chan struct{}
}

// handshakeWait bounds how long the reader waits for a socket's
// registration; it normally takes microseconds.
const handshakeWait = 5 * time.Second

// handshake is the Socket.IO namespace middleware: it admits the socket
// (connection middleware, rooms) or refuses it with a coded connect_error.
func (z *zNamespace) handshake(raw *socket.Socket, next func(*socket.ExtendedError)) {
	s, err := z.n.admit(&zSocket{raw: raw, z: z}, newHandshake(raw))
	if r := z.n.recovery; err == nil && r != nil {
		if back := r.refused(s); back != nil {
			// Another identity's session. This core fixed the socket id
			// before the middleware ran, so it cannot start afresh:
			// refuse, and keep the session for its owner.
			z.n.abandon(s)
			r.giveBack(back)
			err = NewError(CodeUnauthorized, "This session cannot be recovered: connect without it")
		}
	}
	if err != nil {
		next(socket.NewExtendedError(err.Message, connectErrorData(err)))
		return
	}
	p := &pendingSocket{s: s, joined: make(chan struct{})}
	z.pending.Store(raw, p)
	// A connection that closes before it joins the namespace never fires
	// "connection": forget it then.
	closed := make(chan struct{})
	if conn := raw.Conn(); conn != nil {
		_ = conn.Once("close", func(...any) {
			close(closed)
			if z.pending.CompareAndDelete(raw, p) {
				z.n.abandon(s)
			}
		})
	}
	next(nil)
	// The underlying server writes the CONNECT packet before it registers
	// the socket with its connection, and closes the connection if an
	// event for the namespace arrives in between — which a client that
	// emits as soon as it is connected does. This middleware runs on the
	// connection's reader: holding it until the socket is registered
	// ("connection" fired) keeps the next packet from being read too early.
	select {
	case <-p.joined:
	case <-closed:
	case <-time.After(handshakeWait):
	}
}

// connection runs on the socket's queue once the socket joined the
// namespace.
func (z *zNamespace) connection(raw *socket.Socket) {
	v, ok := z.pending.LoadAndDelete(raw)
	if !ok {
		raw.Disconnect(true) // cannot happen: every connection passes handshake
		return
	}
	p := v.(*pendingSocket)
	defer close(p.joined)
	s := p.s
	_ = raw.On("disconnect", func(args ...any) {
		reason := ""
		if len(args) > 0 {
			reason, _ = args[0].(string)
		}
		z.n.gone(s, reason)
	})
	raw.Use(func(args []any, _ func(error)) {
		// The library's own listeners are never used: events go to the
		// socket's mailbox.
		z.n.receive(s, splitEvent(args))
	})
	z.n.connected(s)
}

// splitEvent takes an event packet's arguments apart: the event name, the
// payload arguments and the acknowledgement callback if the client asked
// for one.
func splitEvent(args []any) incoming {
	var ev incoming
	if k := len(args); k > 0 {
		if a, ok := args[k-1].(socket.Ack); ok {
			ev.ack = func(v []any) { a(v, nil) }
			args = args[:k-1]
		}
	}
	if len(args) == 0 {
		return ev // the parser never produces this
	}
	name, _ := args[0].(string)
	ev.name, ev.args = eventName(name), plainBinary(args[1:])
	return ev
}

// plainBinary turns the library's binary values into []byte, in place, at
// any depth of []any and map[string]any.
func plainBinary(args []any) []any {
	for i, a := range args {
		args[i] = plainValue(a)
	}
	return args
}

func plainValue(v any) any {
	switch x := v.(type) {
	case types.BufferInterface:
		return x.Bytes()
	case []any:
		return plainBinary(x)
	case map[string]any:
		for k, e := range x {
			x[k] = plainValue(e)
		}
	}
	return v
}

// operator selects sockets on every server the adapter reaches.
func (z *zNamespace) operator(rooms, except []string) *socket.BroadcastOperator {
	op := z.raw.To(toRooms(rooms)...)
	if len(except) > 0 {
		op = op.Except(toRooms(except)...)
	}
	return op
}

func (z *zNamespace) broadcast(rooms, except []string, event string, payload json.RawMessage) {
	_ = z.operator(rooms, except).Emit(event, payload)
}

func (z *zNamespace) deliver(rooms, except []string, args []any) {
	z.raw.Adapter().Broadcast(&parser.Packet{Type: parser.EVENT, Data: args}, &socket.BroadcastOptions{
		Rooms:  roomSet(rooms),
		Except: roomSet(except),
		Flags:  &socket.BroadcastFlags{Local: true},
	})
}

func (z *zNamespace) each(rooms, except []string, fn func(string)) {
	eachLocal(z.raw.Adapter(), &socket.BroadcastOptions{Rooms: roomSet(rooms), Except: roomSet(except)},
		func(s *socket.Socket) { fn(string(s.Id())) })
}

func (z *zNamespace) disconnectSockets(rooms, except []string) {
	z.operator(rooms, except).DisconnectSockets(false)
}

func (z *zNamespace) socketsJoin(rooms, except, add []string) {
	z.operator(rooms, except).SocketsJoin(toRooms(add)...)
}

func (z *zNamespace) socketsLeave(rooms, except, remove []string) {
	z.operator(rooms, except).SocketsLeave(toRooms(remove)...)
}

func toRooms(rs []string) []socket.Room {
	out := make([]socket.Room, len(rs))
	for i, r := range rs {
		out[i] = socket.Room(r)
	}
	return out
}

func roomSet(rooms []string) *types.Set[socket.Room] {
	s := types.NewSet[socket.Room]()
	for _, r := range rooms {
		s.Add(socket.Room(r))
	}
	return s
}

func roomStrings(s *types.Set[socket.Room]) []string {
	if s == nil || s.Len() == 0 {
		return nil
	}
	keys := s.Keys()
	out := make([]string, len(keys))
	for i, r := range keys {
		out[i] = string(r)
	}
	return out
}

// zSocket is a socket on the zishang520 server.
type zSocket struct {
	raw *socket.Socket
	z   *zNamespace
}

func (s *zSocket) id() string      { return string(s.raw.Id()) }
func (s *zSocket) recovered() bool { return s.raw.Recovered() }

func (s *zSocket) rooms() []string {
	var out []string
	id := s.raw.Id()
	for _, r := range s.raw.Rooms().Keys() {
		if socket.SocketId(r) != id {
			out = append(out, string(r))
		}
	}
	return out
}

func (s *zSocket) join(rooms ...string) { s.raw.Join(toRooms(rooms)...) }
func (s *zSocket) leave(room string)    { s.raw.Leave(socket.Room(room)) }
func (s *zSocket) disconnect()          { s.raw.Disconnect(false) }

func (s *zSocket) emit(event string, payload json.RawMessage) error {
	return s.raw.Emit(event, payload)
}

func (s *zSocket) emitAck(args []any, answer func([]any)) error {
	// The socket's Timeout modifier is not safe for concurrent use: the
	// caller times the answer.
	event, _ := args[0].(string)
	rest := append(args[1:len(args):len(args)], socket.Ack(func(args []any, _ error) { answer(plainBinary(args)) }))
	return s.raw.Emit(event, rest...)
}

func (s *zSocket) send(args []any) {
	packet := &parser.Packet{Type: parser.EVENT, Nsp: s.z.n.name, Data: args}
	s.raw.Client().WriteToEngine(s.z.core.io.Encoder().Encode(packet), &socket.WriteOptions{})
}

// drop waits until the transport is writable again (a packet the engine
// is still writing is not in its buffer any more, and closing would cut
// it), then closes the connection.
func (s *zSocket) drop(deadline time.Time) {
	conn := s.raw.Conn()
	if conn == nil {
		return
	}
	for time.Now().Before(deadline) {
		if tr := conn.Transport(); tr == nil || tr.Writable() {
			break
		}
		time.Sleep(time.Millisecond)
	}
	conn.Close(false)
}

func newHandshake(raw *socket.Socket) *Handshake {
	h := &Handshake{Time: time.Now(), Header: http.Header{}, Query: url.Values{}}
	if rh := raw.Handshake(); rh != nil {
		h.Auth = rh.Auth
		h.RemoteAddr = rh.Address
	}
	if hc := raw.Request(); hc != nil {
		if r := hc.Request(); r != nil {
			h.Header = r.Header.Clone()
			h.Query = r.URL.Query()
			if h.RemoteAddr == "" {
				h.RemoteAddr = r.RemoteAddr
			}
		}
	}
	if h.Auth == nil {
		h.Auth = map[string]any{}
	}
	return h
}
