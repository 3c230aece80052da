package wire

import (
	"encoding/json"
	"fmt"
)

// The classic adapter's protocol (@socket.io/redis-adapter's RedisAdapter,
// and @socket.io/redis-emitter): broadcasts on "PREFIX#NSP#" or, to one
// room, "PREFIX#NSP#ROOM#", as a MessagePack array [uid, packet, opts];
// requests on "PREFIX-request#NSP#"; responses on "PREFIX-response#NSP#"
// or "PREFIX-response#NSP#UID#".

// RequestType is a classic adapter request type.
type RequestType int

// The classic adapter's request types.
const (
	ReqSockets RequestType = iota
	ReqAllRooms
	ReqRemoteJoin
	ReqRemoteLeave
	ReqRemoteDisconnect
	ReqRemoteFetch
	ReqServerSideEmit
	ReqBroadcast
	ReqBroadcastClientCount
	ReqBroadcastAck
	// ReqNone is the type of a response without one (a fetch response).
	ReqNone RequestType = -1
)

// BroadcastChannel is a classic broadcast channel: "PREFIX#NSP#", or
// "PREFIX#NSP#ROOM#" for a broadcast to exactly one room.
func BroadcastChannel(prefix, nsp string, sel Selection) string {
	ch := Channel(prefix, nsp)
	if len(sel.Rooms) == 1 {
		ch += sel.Rooms[0] + "#"
	}
	return ch
}

// RequestChannel is the classic request channel of a namespace.
func RequestChannel(prefix, nsp string) string { return prefix + "-request#" + nsp + "#" }

// ClassicResponseChannel is the classic response channel of a namespace,
// shared by every server; with uid, server uid's own.
func ClassicResponseChannel(prefix, nsp, uid string) string {
	ch := prefix + "-response#" + nsp + "#"
	if uid != "" {
		ch += uid + "#"
	}
	return ch
}

// EncodeClassicBroadcast encodes a classic broadcast.
func EncodeClassicBroadcast(uid string, p Packet, sel Selection, f Flags) ([]byte, error) {
	b := appendArrayHeader(make([]byte, 0, 128), 3)
	b = appendString(b, uid)
	b, err := appendPacket(b, p, p.Nsp)
	if err != nil {
		return nil, err
	}
	return appendOpts(b, sel, f), nil
}

// DecodeClassicBroadcast decodes a classic broadcast: the sender, the
// packet (its namespace "/" when absent, as Node reads it) and the options.
func DecodeClassicBroadcast(b []byte) (uid string, p Packet, sel Selection, f Flags, err error) {
	if len(b) == 0 || b[0] == '{' {
		return "", Packet{}, sel, f, fmt.Errorf("%w: not a MessagePack array", ErrMalformed)
	}
	d, err := toJSON(b)
	if err != nil {
		return "", Packet{}, sel, f, err
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(d.json, &parts); err != nil || len(parts) < 3 {
		return "", Packet{}, sel, f, fmt.Errorf("%w: want [uid, packet, opts]", ErrMalformed)
	}
	if err := json.Unmarshal(parts[0], &uid); err != nil {
		return "", Packet{}, sel, f, fmt.Errorf("%w: uid: %w", ErrMalformed, err)
	}
	if p, err = d.packet(parts[1]); err != nil {
		return "", Packet{}, sel, f, err
	}
	if p.Nsp == "" {
		p.Nsp = "/" // as Node reads it
	}
	var oj optsJSON
	if err := json.Unmarshal(parts[2], &oj); err != nil {
		return "", Packet{}, sel, f, fmt.Errorf("%w: opts: %w", ErrMalformed, err)
	}
	sel, f, err = oj.decode()
	return uid, p, sel, f, err
}

// Request is a classic adapter request. Which fields are used depends on
// Type.
type Request struct {
	Type      RequestType
	UID       string // empty from emitters
	RequestID string
	// Sel and Flags: RemoteJoin, RemoteLeave, RemoteDisconnect,
	// RemoteFetch, Broadcast. A request of the older form (one socket id
	// and one room) is read as a selection of that socket.
	Sel   Selection
	Flags Flags
	// Rooms: RemoteJoin, RemoteLeave (the rooms to join or leave), Sockets
	// (the rooms to list).
	Rooms []string
	// Close: RemoteDisconnect.
	Close bool
	// Args: ServerSideEmit (the event name first, a string).
	Args []any
	// Packet: Broadcast (with acknowledgements).
	Packet Packet
}

// EncodeRequest encodes a classic request as MessagePack.
func EncodeRequest(r *Request) ([]byte, error) {
	fields := 2 // uid, type
	if r.RequestID != "" {
		fields++
	}
	switch r.Type {
	case ReqRemoteJoin, ReqRemoteLeave, ReqBroadcast, ReqRemoteDisconnect:
		fields += 2
	case ReqRemoteFetch, ReqServerSideEmit, ReqSockets:
		fields++
	case ReqAllRooms:
	default:
		return nil, fmt.Errorf("wire: unknown request type %d", r.Type)
	}
	b := appendMapHeader(make([]byte, 0, 128), fields)
	b = appendString(appendString(b, "uid"), r.UID)
	b = appendInt(appendString(b, "type"), int64(r.Type))
	if r.RequestID != "" {
		b = appendString(appendString(b, "requestId"), r.RequestID)
	}
	var err error
	switch r.Type {
	case ReqRemoteJoin, ReqRemoteLeave:
		b = appendOpts(appendString(b, "opts"), r.Sel, r.Flags)
		b = appendStrings(appendString(b, "rooms"), r.Rooms)
	case ReqRemoteDisconnect:
		b = appendOpts(appendString(b, "opts"), r.Sel, r.Flags)
		b = appendBool(appendString(b, "close"), r.Close)
	case ReqRemoteFetch:
		b = appendOpts(appendString(b, "opts"), r.Sel, r.Flags)
	case ReqSockets:
		b = appendStrings(appendString(b, "rooms"), r.Rooms)
	case ReqServerSideEmit:
		b, err = appendValue(appendString(b, "data"), anySlice(r.Args))
	case ReqBroadcast:
		b = appendOpts(appendString(b, "opts"), r.Sel, r.Flags)
		b, err = appendPacket(appendString(b, "packet"), r.Packet, r.Packet.Nsp)
	}
	return b, err
}

type requestJSON struct {
	UID       string          `json:"uid"`
	RequestID *string         `json:"requestId"`
	Type      *RequestType    `json:"type"`
	Opts      *optsJSON       `json:"opts"`
	Rooms     json.RawMessage `json:"rooms"`
	Close     bool            `json:"close"`
	Data      json.RawMessage `json:"data"`
	Packet    json.RawMessage `json:"packet"`
	SID       *string         `json:"sid"`
	Room      *string         `json:"room"`
}

// DecodeRequest decodes a classic request, in JSON or MessagePack. Errors
// wrap ErrMalformed.
func DecodeRequest(b []byte) (*Request, error) {
	d, err := toJSON(b)
	if err != nil {
		return nil, err
	}
	var rj requestJSON
	if err := json.Unmarshal(d.json, &rj); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if rj.Type == nil {
		return nil, fmt.Errorf("%w: request without a type", ErrMalformed)
	}
	r := &Request{Type: *rj.Type, UID: rj.UID}
	if rj.RequestID != nil {
		r.RequestID = *rj.RequestID
	}
	switch r.Type {
	case ReqRemoteJoin, ReqRemoteLeave, ReqRemoteDisconnect:
		r.Close = rj.Close
		if rj.Opts == nil && rj.SID != nil { // the older form: one socket
			r.Sel = Selection{Rooms: []string{*rj.SID}}
			if rj.Room != nil {
				r.Rooms = []string{*rj.Room}
			}
			return r, nil
		}
		if r.Sel, r.Flags, err = rj.Opts.decode(); err != nil {
			return nil, err
		}
		if r.Type != ReqRemoteDisconnect {
			r.Rooms, err = rooms(rj.Rooms)
		}
	case ReqRemoteFetch:
		r.Sel, r.Flags, err = rj.Opts.decode()
	case ReqSockets:
		r.Rooms, err = rooms(rj.Rooms)
	case ReqAllRooms:
	case ReqServerSideEmit:
		if r.Args, err = d.args(rj.Data); err == nil {
			err = eventName(r.Args)
		}
	case ReqBroadcast:
		if r.Sel, r.Flags, err = rj.Opts.decode(); err == nil {
			r.Packet, err = d.packet(rj.Packet)
		}
	default:
		return nil, fmt.Errorf("%w: unknown request type %d", ErrMalformed, r.Type)
	}
	if err != nil {
		return nil, err
	}
	if (r.Type == ReqRemoteFetch || r.Type == ReqBroadcast || r.Type == ReqSockets || r.Type == ReqAllRooms) && r.RequestID == "" {
		return nil, fmt.Errorf("%w: request type %d without requestId", ErrMalformed, r.Type)
	}
	return r, nil
}

// Response is a classic adapter response.
type Response struct {
	// Type is ReqServerSideEmit, ReqBroadcastClientCount, ReqBroadcastAck,
	// or ReqNone for a fetch (or sockets, or rooms) response.
	Type      RequestType
	RequestID string
	// Sockets: the answer to RemoteFetch.
	Sockets []Socket
	// IDs: the answer to Sockets (socket ids) or AllRooms (rooms).
	IDs []string
	// Answer: ServerSideEmit (Node's "data") and BroadcastAck ("packet").
	Answer any
	// ClientCount: BroadcastClientCount.
	ClientCount int64
	// AckSocket and AckGone: BroadcastAck from rtkit servers (see
	// Message).
	AckSocket string
	AckGone   bool
}

// EncodeResponse encodes a classic response as MessagePack. A ReqNone
// response carries Sockets; with IDs set it answers a Sockets request
// ("sockets": ids) — AllRooms answers are not written.
func EncodeResponse(r *Response) ([]byte, error) {
	b := make([]byte, 0, 128)
	var err error
	switch r.Type {
	case ReqNone:
		b = appendMapHeader(b, 2)
		b = appendString(appendString(b, "requestId"), r.RequestID)
		if r.IDs != nil {
			return appendStrings(appendString(b, "sockets"), r.IDs), nil
		}
		b = appendArrayHeader(appendString(b, "sockets"), len(r.Sockets))
		for _, s := range r.Sockets {
			if b, err = appendSocket(b, s); err != nil {
				return nil, err
			}
		}
		return b, nil
	case ReqServerSideEmit, ReqBroadcastAck:
		n := 2
		for _, set := range []bool{r.Answer != nil, r.AckSocket != "", r.AckGone} {
			if set {
				n++
			}
		}
		b = appendMapHeader(b, n)
		b = appendInt(appendString(b, "type"), int64(r.Type))
		b = appendString(appendString(b, "requestId"), r.RequestID)
		if r.AckSocket != "" {
			b = appendString(appendString(b, "rtkitSocket"), r.AckSocket)
		}
		if r.AckGone {
			b = appendBool(appendString(b, "rtkitGone"), true)
		}
		if r.Answer == nil {
			return b, nil
		}
		key := "data"
		if r.Type == ReqBroadcastAck {
			key = "packet"
		}
		return appendValue(appendString(b, key), r.Answer)
	case ReqBroadcastClientCount:
		b = appendMapHeader(b, 3)
		b = appendInt(appendString(b, "type"), int64(r.Type))
		b = appendString(appendString(b, "requestId"), r.RequestID)
		return appendInt(appendString(b, "clientCount"), r.ClientCount), nil
	}
	return nil, fmt.Errorf("wire: unknown response type %d", r.Type)
}

type responseJSON struct {
	Type        *RequestType    `json:"type"`
	RequestID   string          `json:"requestId"`
	Sockets     json.RawMessage `json:"sockets"`
	Rooms       json.RawMessage `json:"rooms"`
	Data        json.RawMessage `json:"data"`
	Packet      json.RawMessage `json:"packet"`
	ClientCount int64           `json:"clientCount"`
	AckSocket   string          `json:"rtkitSocket"`
	AckGone     bool            `json:"rtkitGone"`
}

// DecodeResponse decodes a classic response, in JSON or MessagePack.
// Errors wrap ErrMalformed.
func DecodeResponse(b []byte) (*Response, error) {
	d, err := toJSON(b)
	if err != nil {
		return nil, err
	}
	var rj responseJSON
	if err := json.Unmarshal(d.json, &rj); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if rj.RequestID == "" {
		return nil, fmt.Errorf("%w: response without requestId", ErrMalformed)
	}
	r := &Response{Type: ReqNone, RequestID: rj.RequestID}
	if rj.Type != nil {
		r.Type = *rj.Type
	}
	switch r.Type {
	case ReqNone:
		if len(rj.Rooms) > 0 {
			r.IDs, err = rooms(rj.Rooms)
			return r, err
		}
		var ss []socketJSON
		if err := json.Unmarshal(rj.Sockets, &ss); err == nil {
			r.Sockets, err = d.sockets(ss)
			return r, err
		}
		r.IDs, err = rooms(rj.Sockets) // the answer to a Sockets request
		return r, err
	case ReqServerSideEmit:
		if len(rj.Data) > 0 {
			r.Answer, err = d.arg(rj.Data)
		}
	case ReqBroadcastAck:
		if len(rj.Packet) > 0 {
			r.Answer, err = d.arg(rj.Packet)
		}
		r.AckSocket, r.AckGone = rj.AckSocket, rj.AckGone
	case ReqBroadcastClientCount:
		r.ClientCount = rj.ClientCount
	default:
		return nil, fmt.Errorf("%w: unknown response type %d", ErrMalformed, r.Type)
	}
	return r, err
}
