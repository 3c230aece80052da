package rtkit

import (
	"context"
	"encoding/json"
	"runtime/debug"
	"slices"
	"time"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// mount wires n into the Socket.IO namespace raw. Called once by Server.Mount.
func (n *Namespace) mount(srv *Server, raw socket.Namespace) {
	if len(srv.cfg.nsOptions) > 0 {
		// Server-wide options apply first, in the order given: collect
		// what they add on a scratch namespace, then put it in front.
		tmp := &Namespace{name: n.name}
		for _, o := range srv.cfg.nsOptions {
			o.applyNamespace(tmp)
		}
		n.connectFns = append(tmp.connectFns, n.connectFns...)
		n.middleware = append(tmp.middleware, n.middleware...)
		n.onConnect = append(tmp.onConnect, n.onConnect...)
		n.onDisconnect = append(tmp.onDisconnect, n.onDisconnect...)
		n.autoJoins = append(tmp.autoJoins, n.autoJoins...)
		n.serverRooms = append(tmp.serverRooms, n.serverRooms...)
		n.annotations = append(tmp.annotations, n.annotations...)
		n.rooms = append(n.rooms, tmp.rooms...) // the namespace's own patterns match first
		if n.description == "" {
			n.description = tmp.description
		}
		for _, fn := range tmp.setups {
			fn(n) // may Handle and Emits: n is not mounted yet
		}
	}
	n.srv = srv
	n.raw = raw
	if a := n.replayer(); a != nil {
		a.bind(n)
	}
	for _, h := range n.handlers {
		h.run = chain(h.typed, n.middleware)
	}
	n.unknown = chain(func(context.Context, *Socket, *Request) (json.RawMessage, error) {
		return nil, NewError(CodeUnknownEvent, "unknown event")
	}, n.middleware)

	raw.Use(n.handshake)
	_ = raw.On("connection", func(args ...any) {
		if rs, ok := args[0].(*socket.Socket); ok {
			n.connected(rs)
		}
	})
}

// handshake is the Socket.IO namespace middleware: it runs rtkit's
// connection middleware and refuses the connection with a coded
// connect_error.
func (n *Namespace) handshake(raw *socket.Socket, next func(*socket.ExtendedError)) {
	srv := n.srv
	if srv.closing.Load() {
		next(connectError(NewError(CodeUnavailable, "server is shutting down")))
		return
	}
	ctx, cancel := context.WithCancelCause(srv.baseCtx)
	s := &Socket{raw: raw, ns: n, hs: newHandshake(raw), ctx: ctx, cancel: cancel}
	for _, fn := range n.connectFns {
		c, err := n.runConnect(fn, s)
		if err != nil {
			cancel(err)
			if a := n.replayer(); a != nil {
				a.abandon(raw.Id())
			}
			pub, unexpected := publicError(err)
			if unexpected {
				srv.log.Error("rtkit: connection middleware failed", "namespace", n.name, "err", err)
			} else {
				srv.log.Debug("rtkit: connection refused", "namespace", n.name, "code", pub.Code, "err", err)
			}
			next(connectError(pub))
			return
		}
		if c != nil {
			s.ctx = c
		}
	}
	// Rooms are settled before the client learns it is connected: the
	// underlying server registers the socket with the namespace before it
	// writes CONNECT, so a broadcast to these rooms reaches the socket
	// from the moment the client can act on the connection.
	n.joinRooms(s)
	p := &pendingSocket{s: s, joined: make(chan struct{})}
	n.pending.Store(raw, p)
	n.sockets.Store(raw.Id(), s) // listed (Health, Sockets) once the client can act
	// A connection that closes before it joins the namespace never fires
	// "connection": forget it then.
	closed := make(chan struct{})
	if conn := raw.Conn(); conn != nil {
		_ = conn.Once("close", func(...any) {
			close(closed)
			if n.pending.CompareAndDelete(raw, p) {
				n.sockets.CompareAndDelete(raw.Id(), s)
				cancel(ErrDisconnected)
				if a := n.replayer(); a != nil {
					a.abandon(raw.Id())
				}
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

// joinRooms settles the rooms of a socket that is connecting: for a
// recovered socket, the rooms it had that its ServerRooms give or the room
// policies still allow; then its ServerRooms and the auto-join rooms the
// policies allow. With rtkit's recovery the joins wait for the replay.
func (n *Namespace) joinRooms(s *Socket) {
	a := n.replayer()
	if a != nil {
		a.ensure() // the log delivers from before the client is connected
		if p := a.pending(s); p != nil && s.raw.Recovered() {
			join, kept := n.connectRooms(s, p.rooms)
			a.prepare(p, join, append(kept, s.ID()))
			return // joined, with the replay, once connected
		}
	}
	var restored []string
	if s.raw.Recovered() {
		restored = s.Rooms() // restored by the library itself
	}
	join, kept := n.connectRooms(s, restored)
	for _, room := range restored {
		if !slices.Contains(kept, room) {
			s.raw.Leave(socket.Room(room))
		}
	}
	for _, room := range join {
		s.raw.Join(socket.Room(room))
	}
}

// pendingSocket is a socket between handshake and "connection".
type pendingSocket struct {
	s      *Socket
	joined chan struct{}
}

// handshakeWait bounds how long the reader waits for a socket's
// registration; it normally takes microseconds.
const handshakeWait = 5 * time.Second

func (n *Namespace) runConnect(fn ConnectFunc, s *Socket) (ctx context.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			n.srv.log.Error("rtkit: connection middleware panicked", "namespace", n.name,
				"panic", r, "stack", string(debug.Stack()))
			err = NewError(CodeInternal, internalMessage)
		}
	}()
	return fn(s.ctx, s)
}

// connectError builds the connect_error payload: always with non-nil data,
// which the Go client needs to see the message at all.
func connectError(e *Error) *socket.ExtendedError {
	return socket.NewExtendedError(e.Message, map[string]any{"code": string(e.Code)})
}

// connected runs on the socket's queue once the socket joined the namespace.
func (n *Namespace) connected(raw *socket.Socket) {
	v, ok := n.pending.LoadAndDelete(raw)
	if !ok {
		raw.Disconnect(true) // cannot happen: every connection passes handshake
		return
	}
	p := v.(*pendingSocket)
	defer close(p.joined)
	s := p.s
	_ = raw.On("disconnect", func(args ...any) {
		reason, _ := firstString(args)
		if n.srv.closing.Load() && (reason == "forced close" || reason == "forced server close") {
			reason = "server shutting down"
		}
		// The library writes the DISCONNECT packet before it closes the
		// socket on its side: a quick client can close its transport in
		// between, and the reason would read as the client's doing.
		if s.disconnecting.Load() && reason == "transport close" {
			reason = "server namespace disconnect"
		}
		n.sockets.CompareAndDelete(raw.Id(), s)
		s.box.close()
		s.cancel(ErrDisconnected)
		for _, fn := range n.onDisconnect {
			n.safely("disconnect hook", func() { fn(s, reason) })
		}
	})
	s.box.run = func(args []any) { n.dispatch(s, args) }
	s.box.pool = &n.srv.workers
	maxPending := int(n.srv.cfg.maxPending)
	raw.Use(func(args []any, _ func(error)) {
		// The library's own listeners are never used: events go to the
		// socket's mailbox, which runs them one at a time, in order, and
		// bounds how many may wait.
		if n.srv.closing.Load() {
			n.srv.lastEvent.Store(time.Now().UnixNano())
		}
		if !s.box.push(args, maxPending) {
			name, ack, _ := splitEvent(args)
			n.reply(s, ack, name, nil, errQueueFull())
		}
	})
	if a := n.replayer(); a != nil {
		a.connected(s)
	}
	for _, fn := range n.onConnect {
		n.safely("connect hook", func() { fn(s.ctx, s) })
	}
}

func firstString(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}

func (n *Namespace) safely(what string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			n.srv.log.Error("rtkit: "+what+" panicked", "namespace", n.name, "panic", r,
				"stack", string(debug.Stack()))
		}
	}()
	fn()
}

// dispatch handles one incoming event on the socket's queue.
func (n *Namespace) dispatch(s *Socket, args []any) {
	name, ack, payloads := splitEvent(args)
	req := &Request{HasAck: ack != nil, argc: len(payloads)}
	if req.argc > 0 {
		req.Payload = payloads[0]
	}
	h := n.unknown
	if e, ok := n.handlers[name]; ok {
		req.Event, h = e.info, e.run
	} else {
		req.Event = &EventInfo{Namespace: n.name, Name: name}
	}
	if err := n.srv.enter(); err != nil {
		n.reply(s, ack, name, nil, err)
		return
	}
	defer n.srv.leave()
	data, err := n.call(h, s, req)
	n.reply(s, ack, req.Event.Name, data, err)
}

// splitEvent takes an event packet's arguments apart: the event name (cut
// to maxEventNameLen), the acknowledgement callback if the client asked for
// one, and the payload arguments.
func splitEvent(args []any) (name string, ack socket.Ack, payloads []any) {
	if k := len(args); k > 0 {
		if a, ok := args[k-1].(socket.Ack); ok {
			ack, args = a, args[:k-1]
		}
	}
	if len(args) == 0 {
		return "", ack, nil // the parser never produces this
	}
	name, _ = args[0].(string)
	if len(name) > maxEventNameLen {
		name = name[:maxEventNameLen]
	}
	return name, ack, args[1:]
}

// call runs h and turns a panic into INTERNAL.
func (n *Namespace) call(h HandlerFunc, s *Socket, req *Request) (data json.RawMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			n.srv.log.Error("rtkit: handler panicked", "namespace", n.name, "event", req.Event.Name,
				"socket", s.ID(), "panic", r, "stack", string(debug.Stack()))
			data, err = nil, NewError(CodeInternal, internalMessage)
		}
	}()
	return h(s.ctx, s, req)
}

var (
	successPrefix = []byte(`{"success":true,"data":`)
	successEmpty  = json.RawMessage(`{"success":true}`)
)

type failureEnvelope struct {
	Success bool      `json:"success"`
	Error   wireError `json:"error"`
}

// reply sends the outcome of one event: the acknowledgement envelope when
// the client asked for one, otherwise the "error" event on failure.
func (n *Namespace) reply(s *Socket, ack socket.Ack, event string, data json.RawMessage, err error) {
	if err == nil {
		if ack == nil {
			return
		}
		if data == nil {
			ack([]any{successEmpty}, nil)
			return
		}
		env := make([]byte, 0, len(successPrefix)+len(data)+1)
		env = append(append(append(env, successPrefix...), data...), '}')
		ack([]any{json.RawMessage(env)}, nil)
		return
	}
	pub, unexpected := publicError(err)
	if unexpected {
		n.srv.log.Error("rtkit: handler failed", "namespace", n.name, "event", event,
			"socket", s.ID(), "err", err)
	}
	if ack != nil {
		ack([]any{failureEnvelope{Error: pub.wire("")}}, nil)
	} else {
		n.sendError(s, pub.wire(event))
	}
	if pub.Disconnect {
		s.Disconnect()
	}
}

// sendError writes the "error" event straight to the connection. It is not
// an application event: connection state recovery neither stores nor
// replays it (the underlying server would keep every one for the whole
// recovery window, which a flooding client turns into memory).
func (n *Namespace) sendError(s *Socket, w wireError) {
	packet := &parser.Packet{Type: parser.EVENT, Nsp: n.name, Data: []any{"error", w}}
	s.raw.Client().WriteToEngine(n.srv.io.Encoder().Encode(packet), &socket.WriteOptions{})
}
