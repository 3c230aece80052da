// Package sioproto reads and writes Socket.IO v5 packets: the text form
// "<type>[<attachments>-][<namespace>,][<id>][<JSON>]" and the placeholders
// that stand for binary attachments. It keeps no state and starts nothing:
// the caller collects a binary packet's attachments (Packet.Attachments
// binary messages follow its text) and calls Reconstruct.
//
// The zishang520 parser covers the same format, but its decoder is an event
// emitter per connection, which is what rtkit's own core leaves out.
package sioproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Packet types.
const (
	Connect      byte = 0
	Disconnect   byte = 1
	Event        byte = 2
	Ack          byte = 3
	ConnectError byte = 4
	BinaryEvent  byte = 5
	BinaryAck    byte = 6
)

// Limits of what Parse accepts.
const (
	MaxNamespaceLen = 512
	maxIDDigits     = 20 // what fits in a uint64
	MaxAttachments  = 10
)

// Packet is one parsed packet. Data is the raw JSON (nil when absent) and
// aliases the parsed text.
type Packet struct {
	Type        byte
	Namespace   string // "/" when absent
	ID          uint64 // valid when HasID
	HasID       bool
	Attachments int
	Data        []byte
}

// ErrInvalid reports a packet that breaks the format.
var ErrInvalid = errors.New("sioproto: invalid packet")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Parse reads one packet's text. A namespace equal to one of known comes
// back as that string rather than a copy of the text's bytes: a
// connection passes the namespace of its previous packet, and the packets
// of a namespace it is in then cost no allocation for the name.
func Parse(b []byte, known ...string) (Packet, error) {
	p := Packet{Namespace: "/"}
	if len(b) == 0 {
		return p, invalid("empty")
	}
	p.Type = b[0] - '0'
	if p.Type > BinaryAck {
		return p, invalid("unknown type %q", b[0])
	}
	i := 1
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		j := bytes.IndexByte(b[i:], '-')
		if j <= 0 || j > 3 {
			return p, invalid("attachments")
		}
		n, err := strconv.Atoi(string(b[i : i+j]))
		if err != nil || n < 0 || n > MaxAttachments {
			return p, invalid("attachments")
		}
		p.Attachments = n
		i += j + 1
	}
	if i < len(b) && b[i] == '/' {
		j := bytes.IndexByte(b[i:], ',')
		end := i + j
		if j < 0 {
			end = len(b)
		}
		if end-i > MaxNamespaceLen {
			return p, invalid("namespace too long")
		}
		p.Namespace = namespace(b[i:end], known)
		i = end
		if j >= 0 {
			i++
		}
	}
	start := i
	var id uint64
	overflow := false
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		d := uint64(b[i] - '0')
		overflow = overflow || id > (math.MaxUint64-d)/10
		id = id*10 + d
		i++
	}
	if i > start {
		if i-start > maxIDDigits || overflow || id == math.MaxUint64 { // the last one is NoID's bits
			return p, invalid("id too large")
		}
		p.ID, p.HasID = id, true
	}
	if i < len(b) {
		p.Data = b[i:]
	}
	return p, p.check()
}

// namespace returns the namespace b names: one of known, or a copy.
func namespace(b []byte, known []string) string {
	for _, k := range known {
		if string(b) == k {
			return k
		}
	}
	return string(b)
}

// check enforces what each type carries.
func (p *Packet) check() error {
	switch p.Type {
	case Connect:
		if string(p.Data) == "null" {
			p.Data = nil // what some clients send for "no auth"
		}
		if p.Data != nil && !isObject(p.Data) {
			return invalid("CONNECT payload must be an object")
		}
	case Disconnect:
		if p.Data != nil {
			return invalid("DISCONNECT carries no payload")
		}
	case Event, BinaryEvent:
		if !isArray(p.Data) {
			return invalid("EVENT payload must be a non-empty array")
		}
	case Ack, BinaryAck:
		if !p.HasID || !isArray(p.Data) {
			return invalid("ACK needs an id and an array")
		}
	case ConnectError:
		return invalid("CONNECT_ERROR is sent by servers only")
	}
	if p.HasID && (p.Type == Connect || p.Type == Disconnect) {
		return invalid("id on a packet without acknowledgement")
	}
	return nil
}

func isObject(b []byte) bool { return len(b) >= 2 && b[0] == '{' }
func isArray(b []byte) bool  { return len(b) >= 2 && b[0] == '[' }

// NoID is the id argument of Append and AppendEvent for a packet without
// one.
const NoID = -1

// Append writes a packet's text to dst: type, attachments, namespace
// (left out for "/"), id (unless NoID) and data as given.
func Append(dst []byte, typ byte, nsp string, id int64, attachments int, data []byte) []byte {
	dst = append(dst, '0'+typ)
	if typ == BinaryEvent || typ == BinaryAck {
		dst = strconv.AppendInt(dst, int64(attachments), 10)
		dst = append(dst, '-')
	}
	if nsp != "/" && nsp != "" {
		dst = append(dst, nsp...)
		dst = append(dst, ',')
	}
	if id != NoID {
		dst = strconv.AppendUint(dst, uint64(id), 10)
	}
	return append(dst, data...)
}

// AppendEvent writes an EVENT packet whose arguments are the event name
// and payloads already encoded as JSON: the encoding a broadcast makes once
// for all its recipients.
func AppendEvent(dst []byte, nsp string, id int64, event string, payloads ...json.RawMessage) []byte {
	dst = Append(dst, Event, nsp, id, 0, nil)
	dst = append(dst, '[')
	name, _ := json.Marshal(event)
	dst = append(dst, name...)
	for _, p := range payloads {
		dst = append(dst, ',')
		dst = append(dst, p...)
	}
	return append(dst, ']')
}
