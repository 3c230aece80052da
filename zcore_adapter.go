package rtkit

import (
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// legacyAdapter is implemented by the adapters of package adapter that are
// built on the zishang520 server's adapter interface (Redis). They run on
// that core only; rtkit's own adapter interface replaces this one.
type legacyAdapter interface {
	Constructor() socket.AdapterConstructor
}

// legacyConstructor returns a's constructor for the zishang520 server, nil
// for an in-memory adapter.
func legacyConstructor(a Adapter) socket.AdapterConstructor {
	if l, ok := a.(legacyAdapter); ok {
		return l.Constructor()
	}
	return nil
}

// isCluster reports whether a reaches other processes.
func isCluster(a Adapter) bool { return legacyConstructor(a) != nil }

// recoveryBuilder makes each namespace's recoveryAdapter around the
// adapter the server would use otherwise.
type recoveryBuilder struct {
	core  *zCore
	inner socket.AdapterConstructor
	plain bool // inner is the underlying server's in-memory adapter
}

// newRecoveryBuilder wraps the adapter constructor (the underlying
// server's plain in-memory adapter when inner is nil).
func newRecoveryBuilder(z *zCore, inner socket.AdapterConstructor) *recoveryBuilder {
	if inner == nil {
		return &recoveryBuilder{core: z, inner: &socket.AdapterBuilder{}, plain: true}
	}
	return &recoveryBuilder{core: z, inner: inner}
}

func (b *recoveryBuilder) New(nsp socket.Namespace) socket.Adapter {
	a := &recoveryAdapter{Adapter: b.inner.New(nsp), plain: b.plain}
	if r, ok := b.core.recoveries.Load(nsp.Name()); ok {
		a.rec = r.(*recovery)
	}
	return a
}

// recoveryAdapter connects the underlying server's session calls to the
// namespace's recovery (recovery.go). Every broadcast that reaches it is
// delivered as it is: rtkit's emits go through the delivery log before
// they come here. The underlying server's own recovery (restoring rooms
// and missed packets while building the socket, before authentication) is
// never used.
type recoveryAdapter struct {
	socket.Adapter
	rec   *recovery // nil for namespaces rtkit does not serve
	plain bool      // Adapter is the in-memory one: deliver with localBroadcast
}

// Broadcast delivers p through the wrapped adapter: to every server for a
// cluster adapter, unless opts has the Local flag (the log's deliveries
// and the offset markers), to this server's sockets only.
func (a *recoveryAdapter) Broadcast(p *parser.Packet, opts *socket.BroadcastOptions) {
	if a.plain {
		localBroadcast(a.Adapter, p, opts)
		return
	}
	a.Adapter.Broadcast(p, opts)
}

// PersistSession keeps the session of a socket that lost its connection.
func (a *recoveryAdapter) PersistSession(s *socket.SessionToPersist) {
	if s == nil || a.rec == nil {
		return
	}
	owner := ""
	if v, ok := a.rec.n.sockets.Load(string(s.Sid)); ok {
		owner = v.(*Socket).Identity()
	}
	a.rec.persist(string(s.Pid), string(s.Sid), owner, roomStrings(s.Rooms))
}

// RestoreSession finds the session of a reconnecting client, without rooms
// and without missed packets: recovery restores them once the connection
// middleware has passed.
func (a *recoveryAdapter) RestoreSession(pid socket.PrivateSessionId, offset string) (*socket.Session, error) {
	if a.rec == nil {
		return nil, nil
	}
	sid, ok := a.rec.restore(string(pid), offset)
	if !ok {
		return nil, nil
	}
	return &socket.Session{SessionToPersist: &socket.SessionToPersist{
		Sid: socket.SocketId(sid), Pid: pid, Rooms: types.NewSet[socket.Room](),
	}}, nil
}
