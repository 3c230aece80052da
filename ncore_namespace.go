package rtkit

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtkit-go/rtkit/internal/engine"
	"github.com/rtkit-go/rtkit/internal/sioproto"
)

// nNamespace is a namespace on rtkit's own core: its sockets and rooms.
// mu guards the membership; nothing is written to a connection under it
// (a write can close the connection, and the close takes mu).
type nNamespace struct {
	n    *Namespace
	core *nCore

	mu      sync.RWMutex
	sockets map[string]*nSocket              // socket id →
	rooms   map[string]map[*nSocket]struct{} // room → members; a socket's own id room is sockets (see members)
}

// register lists s in the namespace with its rooms and sends CONNECT, in
// one step as far as broadcasts can tell: a broadcast that selects s waits
// for its CONNECT to be queued (s.wmu). It returns false when the
// connection closed meanwhile.
func (ns *nNamespace) register(s *nSocket) bool {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	ns.mu.Lock()
	ns.sockets[s.sid] = s
	for room := range s.joined {
		ns.addLocked(s, room)
	}
	s.listed = true
	ns.mu.Unlock()
	b, _ := json.Marshal(connectPayload{SID: s.sid, PID: s.pid})
	if err := s.conn.ec.Send(sioproto.Append(nil, sioproto.Connect, ns.n.name, sioproto.NoID, 0, b), false); err != nil {
		return false
	}
	s.ready = true
	return true
}

// connectPayload is the data of the server's CONNECT.
type connectPayload struct {
	SID string `json:"sid"`
	PID string `json:"pid,omitempty"` // with recovery on
}

// addLocked puts s in room; mu held.
func (ns *nNamespace) addLocked(s *nSocket, room string) {
	m := ns.rooms[room]
	if m == nil {
		m = map[*nSocket]struct{}{}
		ns.rooms[room] = m
	}
	m[s] = struct{}{}
}

// removeLocked takes s out of room; mu held.
func (ns *nNamespace) removeLocked(s *nSocket, room string) {
	if m := ns.rooms[room]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(ns.rooms, room)
		}
	}
}

// selectSockets returns the listed sockets in any of rooms (all when rooms
// is empty) and in none of except, once each.
func (ns *nNamespace) selectSockets(rooms, except []string) []*nSocket {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	var skip map[*nSocket]struct{}
	for _, r := range except {
		ns.members(r, func(s *nSocket) {
			if skip == nil {
				skip = map[*nSocket]struct{}{}
			}
			skip[s] = struct{}{}
		})
	}
	var out []*nSocket
	add := func(s *nSocket) {
		if _, no := skip[s]; !no {
			out = append(out, s)
		}
	}
	switch len(rooms) {
	case 0:
		out = make([]*nSocket, 0, len(ns.sockets))
		for _, s := range ns.sockets {
			add(s)
		}
	case 1:
		ns.members(rooms[0], add)
	default:
		seen := map[*nSocket]struct{}{}
		for _, r := range rooms {
			ns.members(r, func(s *nSocket) {
				if _, dup := seen[s]; !dup {
					seen[s] = struct{}{}
					add(s)
				}
			})
		}
	}
	return out
}

// members calls fn for each listed socket in room: those that joined it,
// then the socket whose id it is. A socket's id is a room of its own
// that rooms does not hold (a map per socket for one member), so that an
// idle socket costs the namespace one entry in sockets; mu held.
func (ns *nNamespace) members(room string, fn func(*nSocket)) {
	for s := range ns.rooms[room] {
		fn(s)
	}
	if s := ns.sockets[room]; s != nil {
		fn(s)
	}
}

// fanOut queues one encoded packet on each socket, the packet encoded
// once, and leaves the writes to the engine's flusher (Batch.FlushSoon):
// broadcasts made in a row share one write per connection. A packet and
// its attachments are queued as one group: all or nothing, and nothing of
// another namespace on the same connection between them.
func (ns *nNamespace) fanOut(sockets []*nSocket, text []byte, atts [][]byte) {
	var b engine.Batch
	sent := 0
	for _, s := range sockets {
		s.wmu.Lock()
		if s.ready && !s.closed.Load() {
			b.SendGroup(s.conn.ec, text, atts)
			sent++
		}
		s.wmu.Unlock()
	}
	b.FlushSoon()
	if o := ns.core.srv.obs; o != nil && sent > 0 {
		o.Sent(ns.n.name, sent, sent*packetSize(text, atts))
	}
}

// packetSize is the number of bytes of a packet and its attachments.
func packetSize(text []byte, atts [][]byte) int {
	n := len(text)
	for _, a := range atts {
		n += len(a)
	}
	return n
}

func (ns *nNamespace) broadcast(rooms, except []string, event string, payload json.RawMessage) {
	sockets := ns.selectSockets(rooms, except)
	ns.fanOut(sockets, sioproto.AppendEvent(nil, ns.n.name, sioproto.NoID, event, payload), nil)
	if len(ns.n.onChange) > 0 {
		ns.sent(sockets, event, []any{payload})
	}
}

// sent tells the OnSocketChange hooks of an event queued for sockets
// (those a closing connection no longer took included).
func (ns *nNamespace) sent(sockets []*nSocket, event string, args []any) {
	for _, s := range sockets {
		ns.n.changed(s.sock, SocketChange{Kind: EventSent, Event: event, Args: args})
	}
}

// sentArgs is sent for a packet made of args: the event's name, then its
// arguments.
func (ns *nNamespace) sentArgs(sockets []*nSocket, args []any) {
	if len(args) == 0 {
		return
	}
	event, _ := args[0].(string)
	ns.sent(sockets, event, args[1:])
}

func (ns *nNamespace) deliver(rooms, except []string, args []any) {
	text, atts, err := encodePacket(nil, sioproto.Event, ns.n.name, sioproto.NoID, args)
	if err != nil {
		ns.core.srv.log.Error("rtkit: undeliverable packet", "namespace", ns.n.name, "err", err)
		return
	}
	sockets := ns.selectSockets(rooms, except)
	ns.fanOut(sockets, text, atts)
	if len(ns.n.onChange) > 0 {
		ns.sentArgs(sockets, args)
	}
}

func (ns *nNamespace) each(rooms, except []string, fn func(string)) {
	for _, s := range ns.selectSockets(rooms, except) {
		fn(s.sid)
	}
}

func (ns *nNamespace) disconnectSockets(rooms, except []string) {
	for _, s := range ns.selectSockets(rooms, except) {
		s.disconnect()
	}
}

func (ns *nNamespace) socketsJoin(rooms, except, add []string) {
	for _, s := range ns.selectSockets(rooms, except) {
		s.join(add...)
	}
}

func (ns *nNamespace) socketsLeave(rooms, except, remove []string) {
	for _, s := range ns.selectSockets(rooms, except) {
		for _, r := range remove {
			s.leave(r)
		}
	}
}

// nSocket is one socket on rtkit's own core.
type nSocket struct {
	ns       *nNamespace
	conn     *nConn
	sock     *Socket
	sid, pid string
	restored bool

	joined map[string]struct{} // under ns.mu; without the id room
	listed bool                // under ns.mu: in ns.sockets and ns.rooms

	wmu   sync.Mutex // orders CONNECT before every broadcast
	ready bool       // under wmu: CONNECT is queued

	closed atomic.Bool

	ackMu  sync.Mutex
	nextID int64
	acks   map[int64]func([]any)
}

func (s *nSocket) id() string      { return s.sid }
func (s *nSocket) recovered() bool { return s.restored }

func (s *nSocket) rooms() []string {
	s.ns.mu.RLock()
	defer s.ns.mu.RUnlock()
	out := make([]string, 0, len(s.joined))
	for r := range s.joined {
		out = append(out, r)
	}
	return out
}

func (s *nSocket) join(rooms ...string) {
	var added []string // reported to OnSocketChange hooks, when there are some
	watch := len(s.ns.n.onChange) > 0
	s.ns.mu.Lock()
	if s.closed.Load() {
		s.ns.mu.Unlock()
		return
	}
	for _, r := range rooms {
		if r == s.sid {
			continue
		}
		if _, had := s.joined[r]; watch && !had && s.listed {
			added = append(added, r)
		}
		s.joined[r] = struct{}{}
		if s.listed {
			s.ns.addLocked(s, r)
		}
	}
	s.ns.mu.Unlock()
	for _, r := range added {
		s.ns.n.changed(s.sock, SocketChange{Kind: RoomJoined, Room: r})
	}
}

func (s *nSocket) leave(room string) {
	if room == s.sid {
		return
	}
	s.ns.mu.Lock()
	_, had := s.joined[room]
	delete(s.joined, room)
	listed := s.listed
	if listed {
		s.ns.removeLocked(s, room)
	}
	s.ns.mu.Unlock()
	if had && listed && len(s.ns.n.onChange) > 0 {
		s.ns.n.changed(s.sock, SocketChange{Kind: RoomLeft, Room: room})
	}
}

// disconnect sends DISCONNECT and closes the socket; the connection stays
// for the client's other namespaces.
func (s *nSocket) disconnect() {
	if s.closed.Load() {
		return
	}
	_ = s.conn.ec.Send(sioproto.Append(nil, sioproto.Disconnect, s.ns.n.name, sioproto.NoID, 0, nil), false)
	s.close("server namespace disconnect", false)
}

func (s *nSocket) emit(event string, payload json.RawMessage) error {
	if s.closed.Load() {
		return ErrDisconnected
	}
	err := s.write(sioproto.AppendEvent(nil, s.ns.n.name, sioproto.NoID, event, payload), nil)
	if err == nil && len(s.ns.n.onChange) > 0 {
		s.ns.sent([]*nSocket{s}, event, []any{payload})
	}
	return err
}

func (s *nSocket) emitAck(args []any, answer func([]any)) error {
	s.ackMu.Lock()
	if s.closed.Load() {
		s.ackMu.Unlock()
		return ErrDisconnected
	}
	id := s.nextID
	s.nextID++
	if s.acks == nil {
		s.acks = map[int64]func([]any){}
	}
	s.acks[id] = answer
	s.ackMu.Unlock()
	// The answer comes through the connection's reader, which may be
	// running the handler that emits this (inline.go).
	s.handOver()
	text, atts, err := encodePacket(nil, sioproto.Event, s.ns.n.name, id, args)
	if err == nil {
		err = s.write(text, atts)
	}
	if err != nil {
		s.ackMu.Lock()
		delete(s.acks, id)
		s.ackMu.Unlock()
	} else if len(s.ns.n.onChange) > 0 {
		s.ns.sentArgs([]*nSocket{s}, args)
	}
	return err
}

// answered passes a client's acknowledgement to its waiter, once.
func (s *nSocket) answered(id int64, args []any) {
	s.ackMu.Lock()
	fn := s.acks[id]
	delete(s.acks, id)
	s.ackMu.Unlock()
	if fn != nil {
		fn(args)
	}
}

// clientAck is the acknowledgement of the client's event id: one ACK
// packet, at most once.
type clientAck struct {
	s    *nSocket
	id   int64
	done atomic.Bool
}

func (s *nSocket) acker(id int64) *clientAck { return &clientAck{s: s, id: id} }

// take reports whether this call is the one that answers.
func (a *clientAck) take() bool { return !a.done.Swap(true) && !a.s.closed.Load() }

func (a *clientAck) send(args []any) {
	if !a.take() {
		return
	}
	text, atts, err := encodePacket(nil, sioproto.Ack, a.s.ns.n.name, a.id, args)
	if err != nil {
		a.s.ns.core.srv.log.Error("rtkit: unencodable acknowledgement", "namespace", a.s.ns.n.name, "err", err)
		return
	}
	a.s.writeAck(text, atts)
}

// success writes the ACK packet with the envelope straight into a buffer
// on the stack (the connection copies it), without building the
// arguments first.
func (a *clientAck) success(data json.RawMessage) {
	if !a.take() {
		return
	}
	if data != nil && !json.Valid(data) { // event middleware may return anything
		a.s.ns.core.srv.log.Error("rtkit: unencodable acknowledgement", "namespace", a.s.ns.n.name,
			"err", "acknowledgement data is not JSON")
		return
	}
	var buf [256]byte
	a.s.writeAck(appendSuccessAck(buf[:0], a.s.ns.n.name, a.id, data), nil)
}

// appendSuccessAck appends the ACK packet of event id whose argument is the
// success envelope around data.
func appendSuccessAck(dst []byte, nsp string, id int64, data json.RawMessage) []byte {
	dst = sioproto.Append(dst, sioproto.Ack, nsp, id, 0, nil)
	dst = append(dst, '[')
	if data == nil {
		dst = append(dst, successEmpty...)
	} else {
		dst = append(append(append(dst, successPrefix...), data...), '}')
	}
	return append(dst, ']')
}

// writeAck queues an acknowledgement; when more events of the socket are
// queued, their answers share one write.
func (s *nSocket) writeAck(text []byte, atts [][]byte) {
	if s.sock != nil && s.sock.box.Waiting() {
		if s.conn.ec.SendGroupSoon(text, atts) == nil {
			if o := s.ns.core.srv.obs; o != nil {
				o.Sent(s.ns.n.name, 1, packetSize(text, atts))
			}
		}
		return
	}
	_ = s.write(text, atts)
}

func (s *nSocket) send(args []any) {
	text, atts, err := encodePacket(nil, sioproto.Event, s.ns.n.name, sioproto.NoID, args)
	if err != nil {
		s.ns.core.srv.log.Error("rtkit: unencodable packet", "namespace", s.ns.n.name, "err", err)
		return
	}
	if s.write(text, atts) == nil && len(s.ns.n.onChange) > 0 {
		s.ns.sentArgs([]*nSocket{s}, args)
	}
}

// write queues a packet and its attachments on the connection as one
// group (see fanOut).
func (s *nSocket) write(text []byte, atts [][]byte) error {
	err := s.conn.ec.SendGroup(text, atts)
	if o := s.ns.core.srv.obs; o != nil && err == nil {
		o.Sent(s.ns.n.name, 1, packetSize(text, atts))
	}
	return err
}

// drop closes the connection as a lost network would: the client
// reconnects on its own. What is queued is written first.
func (s *nSocket) connInfo() (string, string) { return s.conn.ec.Transport(), s.conn.ec.ID() }

func (s *nSocket) drop(time.Time) { s.conn.ec.Close(engine.ReasonForcedClose) }

func (s *nSocket) runAfter(f func()) bool { return s.conn.ec.RunAfterBatch(f) }

func (s *nSocket) handOver() { s.conn.ec.HandOver() }

// close ends the socket once: out of its namespace and connection, its
// session kept for recovery when persist is set, then the runtime's gone.
func (s *nSocket) close(reason string, persist bool) {
	if s.closed.Swap(true) {
		return
	}
	ns := s.ns
	ns.mu.Lock()
	var rooms []string
	if s.listed {
		delete(ns.sockets, s.sid)
		for r := range s.joined {
			ns.removeLocked(s, r)
			rooms = append(rooms, r)
		}
		s.listed = false
	}
	ns.mu.Unlock()
	if len(ns.n.onChange) > 0 {
		for _, r := range rooms {
			ns.n.changed(s.sock, SocketChange{Kind: RoomLeft, Room: r})
		}
	}
	s.conn.mu.Lock()
	s.conn.sockets.remove(s)
	s.conn.mu.Unlock()
	s.ackMu.Lock()
	s.acks = nil
	s.ackMu.Unlock()
	if s.sock == nil {
		return // never admitted
	}
	if persist && ns.n.recovery != nil && s.pid != "" {
		ns.n.recovery.persist(s.pid, s.sid, s.sock.Identity(), rooms)
	}
	ns.n.gone(s.sock, reason)
}
