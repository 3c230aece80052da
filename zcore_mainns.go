package rtkit

import "github.com/zishang520/socket.io/servers/socket/v3"

// refuseMainNamespace is the middleware of the main namespace "/", which
// every Socket.IO server has. Unless a Namespace named "/" is mounted, a
// client connecting to it is refused as for an unknown namespace: the
// main namespace has no handlers and no connection middleware, so serving
// it would let anyone, credentials or not, hold a connection open past
// the connect timeout and outside the connection limits.
func (s *Server) refuseMainNamespace(_ *socket.Socket, next func(*socket.ExtendedError)) {
	for _, n := range s.Namespaces() {
		if n.name == "/" {
			next(nil)
			return
		}
	}
	next(socket.NewExtendedError("Invalid namespace", map[string]any{"code": string(CodeNotFound)}))
}
