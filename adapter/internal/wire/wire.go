// Package wire encodes and decodes the messages that Socket.IO servers
// exchange through Redis, as the Node.js packages @socket.io/redis-adapter
// 8.3 (its sharded adapter, built on socket.io-adapter's cluster adapter,
// and its classic adapter) and @socket.io/redis-emitter 5 write and read
// them.
//
// Two encodings cross the wire: JSON, which Node writes when a message
// holds no binary data, and MessagePack (notepack.io), which it writes
// otherwise and which the classic broadcast channel always uses. Receivers
// tell them apart by the first byte ('{' is JSON). This package decodes
// both and always encodes MessagePack, which every Node receiver accepts
// and which keeps 64-bit integers exact between Go servers.
//
// Event arguments are values of three kinds: json.RawMessage (JSON text,
// rtkit's payloads, kept byte-exact in key order and numbers), []byte (a
// binary attachment) and plain values (string, bool, nil, int64, uint64,
// float64, map[string]any, []any, []byte inside them). Decoding yields a
// json.RawMessage for every argument without binary data, []byte for an
// argument that is binary, and plain values for arguments with binary data
// nested inside.
package wire

import (
	"encoding/json"
	"errors"
)

// Type is a cluster adapter message type (socket.io-adapter's MessageType).
type Type int

// The cluster adapter's message types.
const (
	InitialHeartbeat Type = iota + 1
	Heartbeat
	Broadcast
	SocketsJoin
	SocketsLeave
	DisconnectSockets
	FetchSockets
	FetchSocketsResponse
	ServerSideEmit
	ServerSideEmitResponse
	BroadcastClientCount
	BroadcastAck
	AdapterClose
)

// EmitterUID is the sender id of emitters: servers never take it for their
// own, and do not count it as a server.
const EmitterUID = "emitter"

// Socket.IO packet types carried in broadcasts.
const (
	PacketEvent       = 2
	PacketBinaryEvent = 5
)

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("wire: malformed message")

// Selection picks sockets: those in any of Rooms (all when empty) and in
// none of Except.
type Selection struct {
	Rooms  []string
	Except []string
}

// Flags are a broadcast's flags (socket.io's BroadcastFlags) that matter
// across servers.
type Flags struct {
	Volatile bool
	Compress bool
	// Timeout is the acknowledgement timeout of a broadcast with
	// acknowledgements, in milliseconds (0: none given).
	Timeout int64
	// Logged marks a broadcast that rtkit servers sharing a delivery log
	// also read from the log: they skip it. Node servers ignore the flag
	// (its name is rtkit's own, "rtkitLogged").
	Logged bool
}

// Packet is the Socket.IO packet of a broadcast: Args[0] is the event name.
type Packet struct {
	Type int
	Nsp  string
	Args []any
}

// Socket is one socket in a fetch response: socket.io's RemoteSocket
// shape. Handshake and Data are JSON text (null when absent); binary data
// in them becomes base64 strings.
type Socket struct {
	ID        string
	Handshake json.RawMessage
	Rooms     []string
	Data      json.RawMessage
}

// Message is a cluster adapter message: what the sharded adapter
// publishes on a namespace's channel, and the responses it publishes on a
// server's response channel. Which fields are used depends on Type.
type Message struct {
	Type Type
	UID  string // the sender
	Nsp  string

	// RequestID: Broadcast (with acknowledgements), FetchSockets,
	// ServerSideEmit (with acknowledgements) and every response.
	RequestID string
	// Packet: Broadcast.
	Packet Packet
	// Sel and Flags: Broadcast, SocketsJoin, SocketsLeave,
	// DisconnectSockets, FetchSockets.
	Sel   Selection
	Flags Flags
	// Rooms: SocketsJoin, SocketsLeave (the rooms to join or leave).
	Rooms []string
	// Close: DisconnectSockets (close the underlying connection).
	Close bool
	// Args: ServerSideEmit (the event name first, a string).
	Args []any
	// Sockets: FetchSocketsResponse.
	Sockets []Socket
	// ClientCount: BroadcastClientCount.
	ClientCount int64
	// Answer: ServerSideEmitResponse and BroadcastAck (the one argument
	// Node passes on; nil: none).
	Answer any
	// AckSocket and AckGone: BroadcastAck from rtkit servers, which say
	// which socket answered and whether it left before answering (extra
	// fields "rtkitSocket" and "rtkitGone", which Node ignores).
	AckSocket string
	AckGone   bool
}

// IsResponse reports whether t is a response type, published on a
// requester's response channel.
func (t Type) IsResponse() bool {
	switch t {
	case FetchSocketsResponse, ServerSideEmitResponse, BroadcastClientCount, BroadcastAck:
		return true
	}
	return false
}
