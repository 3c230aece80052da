package rtkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/rtkit-go/rtkit/internal/engine"
	"github.com/rtkit-go/rtkit/internal/sioproto"
)

// nConn is the Socket.IO state of one Engine.IO connection: its sockets,
// one per namespace, and the binary packet whose attachments are arriving.
// message runs on the connection's reader only.
type nConn struct {
	core *nCore
	ec   *engine.Conn

	mu      sync.Mutex
	timer   *time.Timer // the connect timeout, until a namespace is joined
	sockets connSockets // one per namespace
	joined  bool        // a namespace was joined once

	bin  *sioproto.Packet // reader only: waiting for attachments
	atts [][]byte
	// lastNS is the namespace of the previous packet (reader only), so
	// that parsing the next one in the same namespace makes no copy of
	// its name.
	lastNS string
	// stuck is set by a binary packet that announced no attachment: like
	// the reference parser, which then waits for attachments that never
	// come, the connection takes no further message.
	stuck bool
}

// connSockets is a connection's sockets, one per namespace. A slice: a
// connection has a few at most, and a map would cost each idle connection
// about 0.2 KB.
type connSockets []*nSocket

// get returns the socket of namespace nsp, or nil.
func (cs connSockets) get(nsp string) *nSocket {
	for _, s := range cs {
		if s.ns.n.name == nsp {
			return s
		}
	}
	return nil
}

// remove takes s out, if it is there.
func (cs *connSockets) remove(s *nSocket) {
	for i, x := range *cs {
		if x == s {
			last := len(*cs) - 1
			(*cs)[i] = (*cs)[last]
			(*cs)[last] = nil
			*cs = (*cs)[:last]
			return
		}
	}
}

// errProtocol reports a packet that is valid Socket.IO but not allowed
// where it came.
var errProtocol = errors.New("packet not allowed in this state")

// message handles one Engine.IO message: a packet's text, or one
// attachment of the binary packet before it.
func (nc *nConn) message(data []byte, binary bool) error {
	if nc.stuck {
		return fmt.Errorf("%w: message after a binary packet without attachments", errProtocol)
	}
	if binary {
		if nc.bin == nil {
			return fmt.Errorf("%w: attachment without a binary packet", errProtocol)
		}
		nc.atts = append(nc.atts, append([]byte(nil), data...))
		if len(nc.atts) < nc.bin.Attachments {
			return nil
		}
		p, atts := *nc.bin, nc.atts
		nc.bin, nc.atts = nil, nil
		return nc.packet(p, atts)
	}
	if nc.bin != nil {
		return fmt.Errorf("%w: text while attachments are due", errProtocol)
	}
	p, err := sioproto.Parse(data, nc.lastNS)
	if err != nil {
		return err
	}
	nc.lastNS = p.Namespace
	if p.Attachments > 0 {
		bin := p                                  // a copy, so that p itself stays off the heap
		bin.Data = append([]byte(nil), p.Data...) // data is the reader's buffer
		nc.bin = &bin
		return nil
	}
	if p.Type == sioproto.BinaryEvent || p.Type == sioproto.BinaryAck {
		nc.stuck = true // handled, and nothing after it
	}
	return nc.packet(p, nil)
}

// packet handles one complete packet.
func (nc *nConn) packet(p sioproto.Packet, atts [][]byte) error {
	if p.Type == sioproto.Connect {
		return nc.core.onWorker(func() error { return nc.connect(p) })
	}
	nc.mu.Lock()
	s := nc.sockets.get(p.Namespace)
	nc.mu.Unlock()
	if s == nil {
		return fmt.Errorf("%w: namespace %.64q not connected", errProtocol, p.Namespace)
	}
	switch p.Type {
	case sioproto.Disconnect:
		s.close("client namespace disconnect", false)
		return nil
	case sioproto.Event, sioproto.BinaryEvent:
		args, err := decodeArgs(p.Data, atts)
		if err != nil {
			return err
		}
		if len(args) == 0 {
			return fmt.Errorf("%w: event without a name", errProtocol)
		}
		name, ok := args[0].(string)
		if !ok || reservedEvent(name) {
			return fmt.Errorf("%w: event name %v", errProtocol, args[0])
		}
		ev := incoming{name: eventName(name), args: args[1:]}
		if p.HasID {
			ev.ack = s.acker(int64(p.ID))
		}
		s.ns.n.receive(s.sock, ev)
		return nil
	case sioproto.Ack, sioproto.BinaryAck:
		args, err := decodeArgs(p.Data, atts)
		if err != nil {
			return err
		}
		s.answered(int64(p.ID), args)
		return nil
	}
	return fmt.Errorf("%w: type %d", errProtocol, p.Type)
}

func decodeArgs(data []byte, atts [][]byte) ([]any, error) {
	args, err := sioproto.Args(data)
	if err != nil {
		return nil, err
	}
	if atts != nil {
		if _, err := sioproto.Reconstruct(args, atts); err != nil {
			return nil, err
		}
	}
	return args, nil
}

// reservedEvent reports the names a client may not send.
func reservedEvent(name string) bool {
	switch name {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}

// connect handles CONNECT: the namespace's connection middleware and
// rooms, then CONNECT back, or CONNECT_ERROR with data {code}.
func (nc *nConn) connect(p sioproto.Packet) error {
	ns := nc.core.namespace(p.Namespace)
	if ns == nil {
		nc.refuse(p.Namespace, &Error{Code: CodeNotFound, Message: "Invalid namespace"})
		return nil
	}
	nc.mu.Lock()
	dup := nc.sockets.get(p.Namespace) != nil
	nc.mu.Unlock()
	if dup {
		return fmt.Errorf("%w: second CONNECT to %s", errProtocol, p.Namespace)
	}
	auth := map[string]any{}
	if p.Data != nil {
		if err := json.Unmarshal(p.Data, &auth); err != nil || auth == nil {
			return fmt.Errorf("%w: CONNECT payload", sioproto.ErrInvalid)
		}
	}
	s := &nSocket{ns: ns, conn: nc, joined: map[string]struct{}{}}
	n := ns.n
	if r := n.recovery; r != nil {
		pid, _ := auth["pid"].(string)
		offset, _ := auth["offset"].(string)
		if pid != "" {
			if sid, ok := r.restore(pid, offset); ok {
				s.sid, s.pid, s.restored = sid, pid, true
			}
		}
	}
	sock, refusal := nc.admit(s, auth)
	if refusal == nil && s.restored {
		if back := n.recovery.refused(sock); back != nil {
			// Another identity's session: this socket starts afresh, as
			// if it had sent no pid, and the owner may still recover.
			n.abandon(sock)
			n.recovery.giveBack(back)
			s = &nSocket{ns: ns, conn: nc, joined: map[string]struct{}{}}
			sock, refusal = nc.admit(s, auth)
		}
	}
	if refusal != nil {
		nc.refuse(p.Namespace, refusal)
		return nil
	}
	s.sock = sock
	nc.mu.Lock()
	nc.sockets = append(nc.sockets, s)
	nc.joined = true
	if nc.timer != nil { // the connect timeout is over: let it go
		nc.timer.Stop()
		nc.timer = nil
	}
	nc.mu.Unlock()
	if !ns.register(s) {
		nc.mu.Lock()
		nc.sockets.remove(s)
		nc.mu.Unlock()
		n.abandon(sock)
		return nil
	}
	// The hooks (recovery's replay, OnConnect) run on the socket's
	// mailbox, ahead of its first event: the reader writes CONNECT once
	// this packet is handled, and reads on.
	sock.box.Push(incoming{run: func() { n.connected(sock) }}, 0)
	return nil
}

// admit gives s its ids (fresh unless restored) and runs the namespace's
// connection middleware.
func (nc *nConn) admit(s *nSocket, auth map[string]any) (*Socket, *Error) {
	if s.pid == "" && s.ns.n.recovery != nil {
		s.pid = newID()
	}
	if s.sid == "" {
		s.sid = newID()
	}
	return s.ns.n.admit(s, nc.handshake(auth))
}

// refuse sends CONNECT_ERROR: the message and data {code}, never without
// data (the Go client loses the message otherwise).
func (nc *nConn) refuse(nsp string, e *Error) {
	b, _ := json.Marshal(map[string]any{"message": e.Message, "data": connectErrorData(e)})
	_ = nc.ec.Send(sioproto.Append(nil, sioproto.ConnectError, nsp, sioproto.NoID, 0, b), false)
}

// handshake describes the connection's opening request with auth.
func (nc *nConn) handshake(auth map[string]any) *Handshake {
	h := &Handshake{
		Auth:       auth,
		Header:     nc.ec.Header(), // the connection's, shared: read-only
		Query:      nc.ec.Query(),  // parsed for this socket
		RemoteAddr: nc.ec.RemoteAddr(),
		Time:       time.Now(),
	}
	if h.Header == nil {
		h.Header = http.Header{}
	}
	return h
}
