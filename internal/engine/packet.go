package engine

import (
	"bytes"
	"encoding/base64"
	"errors"
)

// Engine.IO packet types, as their digit on the wire.
const (
	pktOpen    byte = '0'
	pktClose   byte = '1'
	pktPing    byte = '2'
	pktPong    byte = '3'
	pktMessage byte = '4'
	pktUpgrade byte = '5'
	pktNoop    byte = '6'
)

const (
	recordSeparator = 0x1e // between packets of a long-polling payload
	binaryPrefix    = 'b'  // a base64-encoded binary message in a payload
)

var errBadPacket = errors.New("engine: invalid packet")

// packet is one decoded Engine.IO packet; data aliases the input.
type packet struct {
	typ    byte
	data   []byte
	binary bool
}

// parseText decodes one text packet (a websocket text frame, or one record
// of a long-polling payload without the binary prefix).
func parseText(b []byte) (packet, error) {
	if len(b) == 0 || b[0] < pktOpen || b[0] > pktNoop {
		return packet{}, errBadPacket
	}
	return packet{typ: b[0], data: b[1:]}, nil
}

// decodePayload calls fn for each packet of a long-polling payload, in
// order, and stops at the first error (of the payload or of fn). An empty
// payload or an empty record is an error. A base64 binary packet is decoded
// into scratch, which it may grow; the returned scratch is for the next call.
func decodePayload(body, scratch []byte, fn func(packet) error) ([]byte, error) {
	if len(body) == 0 {
		return scratch, errBadPacket
	}
	for more := true; more; {
		rec := body
		if i := bytes.IndexByte(body, recordSeparator); i >= 0 {
			rec, body = body[:i], body[i+1:]
		} else {
			more = false
		}
		var p packet
		if len(rec) > 0 && rec[0] == binaryPrefix {
			n := base64.StdEncoding.DecodedLen(len(rec) - 1)
			if cap(scratch) < n {
				scratch = make([]byte, n)
			}
			n, err := base64.StdEncoding.Decode(scratch[:n], rec[1:])
			if err != nil {
				return scratch, errBadPacket
			}
			p = packet{typ: pktMessage, data: scratch[:n], binary: true}
		} else {
			var err error
			if p, err = parseText(rec); err != nil {
				return scratch, err
			}
		}
		if err := fn(p); err != nil {
			return scratch, err
		}
	}
	return scratch, nil
}

// appendPayloadPacket appends one packet to a long-polling payload.
func appendPayloadPacket(dst []byte, typ byte, data []byte, binary bool) []byte {
	if len(dst) > 0 {
		dst = append(dst, recordSeparator)
	}
	if binary {
		dst = append(dst, binaryPrefix)
		return base64.StdEncoding.AppendEncode(dst, data)
	}
	dst = append(dst, typ)
	return append(dst, data...)
}

// payloadPacketLen is the length appendPayloadPacket adds (separator included).
func payloadPacketLen(data []byte, binary bool) int {
	if binary {
		return 2 + base64.StdEncoding.EncodedLen(len(data))
	}
	return 2 + len(data)
}
