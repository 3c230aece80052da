package rtkit

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/rtkit-go/rtkit/internal/schema"
	"github.com/rtkit-go/rtkit/internal/sioproto"
)

// Binary is binary data in a typed payload: a field of type Binary (or
// *Binary, []Binary, map[string]Binary) travels as a Socket.IO binary
// attachment, in both directions, instead of as JSON. The official client
// delivers it as a Buffer in Node.js and as an ArrayBuffer in browsers, and
// sends any ArrayBuffer or typed array (Buffer, Uint8Array); the generated
// TypeScript types it as ArrayBuffer | Uint8Array, which fits both.
//
// A plain []byte keeps its encoding/json meaning, a base64 string, so
// that contracts written before Binary existed do not change. Outside
// Socket.IO — the JSON Schema's JSON form, REST answers made with
// encoding/json, the delivery log, server-to-server events — a Binary is
// what encoding/json makes of a []byte: a base64 string.
//
// The attachments of one payload are bounded in total size by
// MaxBinarySize (DefaultMaxBinarySize by default) and in number by
// MaxBinaryValues; an incoming payload beyond either, or a JSON value where
// a Binary is expected, or an attachment where JSON is expected, is a
// VALIDATION_ERROR.
type Binary []byte

// DefaultMaxBinarySize bounds the total size of the binary attachments of
// one payload, unless the event says otherwise with MaxBinarySize.
const DefaultMaxBinarySize = 1 << 20

// MaxBinaryValues bounds the number of Binary values in one payload: the
// number of attachments rtkit's core accepts in one packet (a client
// announcing more loses its connection, as for any malformed packet).
const MaxBinaryValues = 10

// MaxBinaryValues is the core's bound, written out so that the
// documentation shows the number: this fails to compile if they differ.
var _ [MaxBinaryValues - sioproto.MaxAttachments]struct{}
var _ [sioproto.MaxAttachments - MaxBinaryValues]struct{}

// MaxBinarySize sets the largest total size, in bytes, of the Binary
// values of one payload of the event, in both directions (default
// DefaultMaxBinarySize). An incoming payload beyond it is a
// VALIDATION_ERROR; an outgoing one is refused, like any payload that
// breaks its contract. Each attachment is also bounded by the server's
// WithMaxPayload, which closes the connection of a client that sends a
// larger message. MaxBinarySize panics if n is not positive.
func MaxBinarySize(n int) EventOption {
	if n <= 0 {
		panic(fmt.Sprintf("rtkit: MaxBinarySize(%d): the limit must be positive", n))
	}
	return eventOptionFunc(func(d *eventDesc) { d.maxBinary = n })
}

var binaryType = reflect.TypeFor[Binary]()

// wireArg returns an encoded payload of ts as the client receives it:
// itself, or, when ts has Binary values, its JSON form with an attachment
// ([]byte) at each of them. An entry that cannot be converted (a delivery
// log or another server that sent broken base64) is logged and sent as it
// is.
func (n *Namespace) wireArg(ts *schema.Type, event string, payload json.RawMessage) any {
	if ts == nil || !ts.HasBinary() || len(payload) == 0 {
		return payload
	}
	v, err := attachments(ts, payload)
	if err != nil {
		if n.srv != nil {
			n.srv.log.Error("rtkit: binary payload not convertible to attachments; sent as JSON",
				"namespace", n.name, "event", event, "err", err)
		}
		return payload
	}
	return v
}

// emitted returns the wire form of a payload of event, a server → client
// event declared on n (the payload as it is for an undeclared one).
func (n *Namespace) emitted(event string, payload json.RawMessage) any {
	if d := n.emits[event]; d != nil {
		return n.wireArg(d.in, event, payload)
	}
	return payload
}

// sendEvent sends an encoded emit of d to a socket (s) or to the sockets
// rooms and except select, on this server and the others, outside the
// delivery log. A payload with Binary values travels with attachments, to
// the other servers too (the adapter carries binary arguments).
func (n *Namespace) sendEvent(rooms, except []string, s *Socket, d *eventDesc, b json.RawMessage) error {
	if !d.in.HasBinary() {
		if s != nil {
			return s.raw.emit(d.name, b)
		}
		n.broadcastAll(Selection{Rooms: rooms, Except: except}, d.name, b)
		return nil
	}
	args := []any{d.name, n.wireArg(d.in, d.name, b)}
	if s != nil {
		if s.ctx.Err() != nil {
			return ErrDisconnected
		}
		s.raw.send(args)
		return nil
	}
	n.core.deliver(rooms, except, args)
	n.sendArgsOthers(Selection{Rooms: rooms, Except: except}, args)
	return nil
}

// sendOthers sends an encoded emit of d to the sockets sel selects on the
// other servers only, Binary values as attachments.
func (n *Namespace) sendOthers(sel Selection, d *eventDesc, b json.RawMessage) {
	if !d.in.HasBinary() {
		n.broadcastOthers(sel, d.name, b)
		return
	}
	n.sendArgsOthers(sel, []any{d.name, n.wireArg(d.in, d.name, b)})
}

// errBinaryAcrossServers refuses an emit with Binary values through a
// Publisher, which carries JSON only.
func errBinaryAcrossServers(d *eventDesc) error {
	return fmt.Errorf("rtkit: Emit: event %s carries Binary values, which cannot reach other servers' sockets "+
		"through a Publisher (JSON only): emit from a server", d.name)
}

// binaryAnswer returns the acknowledgement arguments of a handler's
// encoded answer data when d's acknowledgement has Binary values.
func (n *Namespace) binaryAnswer(d *eventDesc, data json.RawMessage) ([]any, bool) {
	if d == nil || d.out == nil || !d.out.HasBinary() || data == nil {
		return nil, false
	}
	return []any{map[string]any{"success": true, "data": n.wireArg(d.out, d.name, data)}}, true
}
