package adminui

import (
	"context"
	"fmt"

	"github.com/rtkit-go/rtkit"
)

// The UI's operations: "join" (nsp, room, filter), "leave" (nsp, room,
// filter) and "_disconnect" (nsp, close, filter). They act on the sockets
// of namespace nsp in room filter (every socket when filter is absent or
// empty) on every server the adapter reaches. The UI asks for no
// acknowledgement: a malformed operation is answered with the "error"
// event and does nothing.

// maxRoomLen bounds the room names an operation may carry.
const maxRoomLen = 256

func (a *Admin) join(_ context.Context, s *rtkit.Socket, args []any) ([]any, error) {
	sel, room, err := a.roomOperation(s, args)
	if err != nil {
		return nil, err
	}
	a.log(s, "join", args)
	sel.Join(room)
	return nil, nil
}

func (a *Admin) leave(_ context.Context, s *rtkit.Socket, args []any) ([]any, error) {
	sel, room, err := a.roomOperation(s, args)
	if err != nil {
		return nil, err
	}
	a.log(s, "leave", args)
	sel.Leave(room)
	return nil, nil
}

// disconnect disconnects the selected sockets. The UI's close flag (close
// the whole client connection rather than the namespace's socket) is
// not honoured: the sockets are disconnected from their namespace, and
// clients see "io server disconnect" either way.
func (a *Admin) disconnect(_ context.Context, s *rtkit.Socket, args []any) ([]any, error) {
	if len(args) < 2 || len(args) > 3 {
		return nil, invalid("_disconnect takes (nsp, close, filter?)")
	}
	if _, ok := args[1].(bool); !ok {
		return nil, invalid("close must be a boolean")
	}
	sel, err := a.selection(s, args[0], args[2:])
	if err != nil {
		return nil, err
	}
	a.log(s, "disconnect", args)
	sel.Disconnect()
	return nil, nil
}

// roomOperation reads (nsp, room, filter?).
func (a *Admin) roomOperation(s *rtkit.Socket, args []any) (rtkit.Rooms, string, error) {
	if len(args) < 2 || len(args) > 3 {
		return rtkit.Rooms{}, "", invalid("takes (nsp, room, filter?)")
	}
	room, ok := args[1].(string)
	if !ok || room == "" || len(room) > maxRoomLen {
		return rtkit.Rooms{}, "", invalid(fmt.Sprintf("room must be a string of 1 to %d bytes", maxRoomLen))
	}
	sel, err := a.selection(s, args[0], args[2:])
	return sel, room, err
}

// selection finds the mounted namespace nsp and selects its sockets in
// room filter (rest[0]), or all of them.
func (a *Admin) selection(s *rtkit.Socket, nsp any, rest []any) (rtkit.Rooms, error) {
	name, _ := nsp.(string)
	var ns *rtkit.Namespace
	for _, n := range s.Server().Namespaces() {
		if n.Name() == name {
			ns = n
		}
	}
	if ns == nil {
		return rtkit.Rooms{}, rtkit.NewError(rtkit.CodeNotFound, "no such namespace")
	}
	if len(rest) == 0 || rest[0] == nil {
		return ns.To(), nil
	}
	filter, ok := rest[0].(string)
	if !ok || len(filter) > maxRoomLen {
		return rtkit.Rooms{}, invalid(fmt.Sprintf("filter must be a string of at most %d bytes", maxRoomLen))
	}
	if filter == "" {
		return ns.To(), nil
	}
	return ns.To(filter), nil
}

func invalid(msg string) *rtkit.Error { return rtkit.NewError(rtkit.CodeValidation, msg) }

// log records an operation: who asked (the admin socket and its address)
// and what.
func (a *Admin) log(s *rtkit.Socket, op string, args []any) {
	s.Server().Logger().Info("adminui: operation", "op", op, "args", args,
		"admin", s.ID(), "address", s.Handshake().RemoteAddr)
}
