package rtkit

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// maxRoomLen bounds room names a client can make the server look at.
const maxRoomLen = 256

// RoomParams holds the values of a room pattern's named parameters:
// joining "document:42" under "document:{documentId}" gives
// {"documentId": "42"}.
type RoomParams map[string]string

// RoomAuthorizer decides whether s may join a room matching a pattern. It
// returns nil to allow, or an error: an *Error (usually FORBIDDEN) is what
// the caller of Join gets; any other error becomes INTERNAL.
type RoomAuthorizer func(ctx context.Context, s *Socket, params RoomParams) error

// Anyone is a RoomAuthorizer that lets every connected socket join.
func Anyone(context.Context, *Socket, RoomParams) error { return nil }

// RoomOption configures one room policy.
type RoomOption interface {
	applyRoom(*roomPolicy)
}

type roomOptionFunc func(*roomPolicy)

func (f roomOptionFunc) applyRoom(p *roomPolicy) { f(p) }

// RoomDescription documents what the room is for.
func RoomDescription(s string) RoomOption {
	return roomOptionFunc(func(p *roomPolicy) { p.description = s })
}

type roomPolicy struct {
	pattern     string
	segments    []string // literal, "{name}", or a final "*"
	params      []string
	authorize   RoomAuthorizer
	description string
}

// WithRoom declares a room policy: which rooms of this namespace may be
// joined, and by whom. pattern is made of ':'-separated segments: literals,
// named parameters "{userId}" (one non-empty segment) and a final "*" (one
// or more segments). Examples: "broadcast", "user:{userId}",
// "user:{userId}:*", "document:{documentId}".
//
// Sockets join rooms only through policies (Socket.Join, AutoJoin); a room
// that matches no pattern cannot be joined. When several patterns match,
// the first declared wins. The policy is checked again when a socket
// recovers its session. WithRoom panics on a malformed pattern or a nil
// authorizer.
func WithRoom(pattern string, authorize RoomAuthorizer, opts ...RoomOption) NamespaceOption {
	return namespaceOptionFunc(func(n *Namespace) {
		p, err := parseRoomPattern(pattern)
		if err != nil {
			n.panicf("room %q: %v", pattern, err)
		}
		if authorize == nil {
			n.panicf("room %q: nil authorizer (use rtkit.Anyone to let every socket join)", pattern)
		}
		for _, q := range n.rooms {
			if q.pattern == pattern {
				n.panicf("room %q declared twice", pattern)
			}
		}
		p.authorize = authorize
		for _, o := range opts {
			o.applyRoom(p)
		}
		n.rooms = append(n.rooms, p)
	})
}

type autoJoin func(ctx context.Context, s *Socket) []string

// AutoJoin makes every connecting socket join the rooms fn returns, each
// through its room policy: a room the policy refuses is not joined (and
// logged). It runs after connection middleware, so fn can use what that
// middleware put in ctx, such as the authenticated user.
func AutoJoin(fn func(ctx context.Context, s *Socket) []string) NamespaceOption {
	return namespaceOptionFunc(func(n *Namespace) { n.autoJoins = append(n.autoJoins, fn) })
}

// ServerRooms makes every connecting socket join the rooms fn returns
// without asking the room policies: rooms the server keeps for itself, such
// as the per-user and per-session rooms through which package auth revokes
// sessions on every server. Clients cannot join them (no policy matches
// them unless one is declared). Like AutoJoin, fn runs after connection
// middleware, and the rooms are joined before the client learns it is
// connected; a recovered socket keeps them without a policy check.
func ServerRooms(fn func(ctx context.Context, s *Socket) []string) Option {
	return bothOption{fn: func(n *Namespace) { n.serverRooms = append(n.serverRooms, fn) }}
}

// serverRoomsOf returns the rooms the ServerRooms functions give s.
func (n *Namespace) serverRoomsOf(s *Socket) []string {
	var rooms []string
	for _, fn := range n.serverRooms {
		rooms = append(rooms, fn(s.ctx, s)...)
	}
	return rooms
}

func parseRoomPattern(pattern string) (*roomPolicy, error) {
	if pattern == "" {
		return nil, fmt.Errorf("empty pattern")
	}
	p := &roomPolicy{pattern: pattern, segments: strings.Split(pattern, ":")}
	seen := map[string]bool{}
	for i, seg := range p.segments {
		switch {
		case seg == "":
			return nil, fmt.Errorf("empty segment")
		case seg == "*":
			if i != len(p.segments)-1 {
				return nil, fmt.Errorf("\"*\" must be the last segment")
			}
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
			name := seg[1 : len(seg)-1]
			if name == "" || strings.ContainsAny(name, "{}*") {
				return nil, fmt.Errorf("bad parameter %q", seg)
			}
			if seen[name] {
				return nil, fmt.Errorf("parameter %q used twice", name)
			}
			seen[name] = true
			p.params = append(p.params, name)
		case strings.ContainsAny(seg, "{}*"):
			return nil, fmt.Errorf("bad segment %q", seg)
		}
	}
	return p, nil
}

// match reports whether room matches the pattern, and its parameters.
func (p *roomPolicy) match(room string) (RoomParams, bool) {
	parts := strings.Split(room, ":")
	last := len(p.segments) - 1
	wild := p.segments[last] == "*"
	if wild {
		if len(parts) < len(p.segments) {
			return nil, false
		}
	} else if len(parts) != len(p.segments) {
		return nil, false
	}
	var params RoomParams
	for i, seg := range p.segments {
		if wild && i == last {
			for _, rest := range parts[i:] {
				if rest == "" {
					return nil, false
				}
			}
			break
		}
		part := parts[i]
		if part == "" {
			return nil, false
		}
		if seg[0] == '{' {
			if params == nil {
				params = RoomParams{}
			}
			params[seg[1:len(seg)-1]] = part
		} else if seg != part {
			return nil, false
		}
	}
	if params == nil {
		params = RoomParams{}
	}
	return params, true
}

// policyFor returns the first policy matching room.
func (n *Namespace) policyFor(room string) (*roomPolicy, RoomParams) {
	for _, p := range n.rooms {
		if params, ok := p.match(room); ok {
			return p, params
		}
	}
	return nil, nil
}

// authorizeRoom runs the policy for room without joining.
func (s *Socket) authorizeRoom(ctx context.Context, room string) error {
	if room == "" || len(room) > maxRoomLen {
		return NewError(CodeForbidden, "invalid room name")
	}
	// A socket's own id is a room too; nobody joins another socket's.
	if _, ok := s.ns.sockets.Load(room); ok && room != s.ID() {
		return NewError(CodeForbidden, "room not allowed")
	}
	p, params := s.ns.policyFor(room)
	if p == nil {
		return NewError(CodeForbidden, "room not allowed")
	}
	return p.authorize(ctx, s, params)
}

// Join adds the socket to room after checking the namespace's room
// policies. It returns a FORBIDDEN *Error when no policy matches or the
// policy's authorizer refuses, and the authorizer's error as is otherwise.
func (s *Socket) Join(ctx context.Context, room string) error {
	if err := s.authorizeRoom(ctx, room); err != nil {
		return err
	}
	s.raw.join(room)
	return nil
}

// Leave removes the socket from room. Leaving a room the socket is not in
// does nothing.
func (s *Socket) Leave(room string) {
	if room == s.ID() {
		return
	}
	s.raw.leave(room)
}

// connectRooms decides the rooms of a connecting socket. kept is the part
// of restored (the rooms a recovered socket had) that its ServerRooms give
// or the room policies still allow; join is kept, its ServerRooms and the
// auto-join rooms the policies allow, each once.
func (n *Namespace) connectRooms(s *Socket, restored []string) (join, kept []string) {
	own := n.serverRoomsOf(s)
	for _, room := range restored {
		if !slices.Contains(own, room) {
			if err := s.authorizeRoom(s.ctx, room); err != nil {
				n.srv.log.Info("rtkit: recovered socket left a room its policy no longer allows",
					"namespace", n.name, "socket", s.ID(), "room", room, "err", err)
				continue
			}
		}
		kept = append(kept, room)
	}
	join = slices.Clone(kept)
	for _, room := range own {
		if !slices.Contains(join, room) {
			join = append(join, room)
		}
	}
	for _, aj := range n.autoJoins {
		for _, room := range aj(s.ctx, s) {
			if slices.Contains(join, room) {
				continue
			}
			if err := s.authorizeRoom(s.ctx, room); err != nil {
				n.srv.log.Warn("rtkit: auto-join refused by room policy",
					"namespace", n.name, "socket", s.ID(), "room", room, "err", err)
				continue
			}
			join = append(join, room)
		}
	}
	return join, kept
}
