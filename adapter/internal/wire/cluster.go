package wire

import (
	"encoding/json"
	"fmt"
)

// The sharded adapter's messages: {uid, nsp, type, data}, data depending
// on type (socket.io-adapter's ClusterMessage and ClusterResponse).

// Channel is the sharded channel of a namespace, where servers publish
// their messages: "PREFIX#NSP#".
func Channel(prefix, nsp string) string { return prefix + "#" + nsp + "#" }

// ResponseChannel is where the server uid of a namespace receives the
// responses to its requests: "PREFIX#NSP#UID#".
func ResponseChannel(prefix, nsp, uid string) string { return Channel(prefix, nsp) + uid + "#" }

// EncodeMessage encodes m as MessagePack.
func EncodeMessage(m *Message) ([]byte, error) {
	b := make([]byte, 0, 128)
	b = appendMapHeader(b, 4)
	b = appendString(appendString(b, "uid"), m.UID)
	b = appendString(appendString(b, "nsp"), m.Nsp)
	b = appendInt(appendString(b, "type"), int64(m.Type))
	b = appendString(b, "data")
	var err error
	switch m.Type {
	case InitialHeartbeat, Heartbeat, AdapterClose:
		b = appendNil(b)
	case Broadcast:
		n := 2
		if m.RequestID != "" {
			n++
		}
		b = appendMapHeader(b, n)
		b = appendString(b, "packet")
		if b, err = appendPacket(b, m.Packet, m.Nsp); err != nil {
			return nil, err
		}
		b = appendOpts(appendString(b, "opts"), m.Sel, m.Flags)
		if m.RequestID != "" {
			b = appendString(appendString(b, "requestId"), m.RequestID)
		}
	case SocketsJoin, SocketsLeave:
		b = appendMapHeader(b, 2)
		b = appendOpts(appendString(b, "opts"), m.Sel, m.Flags)
		b = appendStrings(appendString(b, "rooms"), m.Rooms)
	case DisconnectSockets:
		b = appendMapHeader(b, 2)
		b = appendOpts(appendString(b, "opts"), m.Sel, m.Flags)
		b = appendBool(appendString(b, "close"), m.Close)
	case FetchSockets:
		b = appendMapHeader(b, 2)
		b = appendOpts(appendString(b, "opts"), m.Sel, m.Flags)
		b = appendString(appendString(b, "requestId"), m.RequestID)
	case ServerSideEmit:
		n := 1
		if m.RequestID != "" {
			n++
		}
		b = appendMapHeader(b, n)
		if m.RequestID != "" {
			b = appendString(appendString(b, "requestId"), m.RequestID)
		}
		if b, err = appendValue(appendString(b, "packet"), anySlice(m.Args)); err != nil {
			return nil, err
		}
	case FetchSocketsResponse:
		b = appendMapHeader(b, 2)
		b = appendString(appendString(b, "requestId"), m.RequestID)
		b = appendArrayHeader(appendString(b, "sockets"), len(m.Sockets))
		for _, s := range m.Sockets {
			if b, err = appendSocket(b, s); err != nil {
				return nil, err
			}
		}
	case ServerSideEmitResponse, BroadcastAck:
		n := 1
		for _, set := range []bool{m.Answer != nil, m.AckSocket != "", m.AckGone} {
			if set {
				n++
			}
		}
		b = appendMapHeader(b, n)
		b = appendString(appendString(b, "requestId"), m.RequestID)
		if m.Answer != nil {
			if b, err = appendValue(appendString(b, "packet"), m.Answer); err != nil {
				return nil, err
			}
		}
		if m.AckSocket != "" {
			b = appendString(appendString(b, "rtkitSocket"), m.AckSocket)
		}
		if m.AckGone {
			b = appendBool(appendString(b, "rtkitGone"), true)
		}
	case BroadcastClientCount:
		b = appendMapHeader(b, 2)
		b = appendString(appendString(b, "requestId"), m.RequestID)
		b = appendInt(appendString(b, "clientCount"), m.ClientCount)
	default:
		return nil, fmt.Errorf("wire: unknown message type %d", m.Type)
	}
	return b, nil
}

// anySlice keeps a nil argument list an empty array.
func anySlice(a []any) []any {
	if a == nil {
		return []any{}
	}
	return a
}

func appendPacket(b []byte, p Packet, nsp string) ([]byte, error) {
	if p.Nsp == "" {
		p.Nsp = nsp
	}
	if p.Type == 0 {
		p.Type = PacketEvent
	}
	b = appendMapHeader(b, 3)
	b = appendInt(appendString(b, "type"), int64(p.Type))
	b = appendString(b, "data")
	b, err := appendValue(b, anySlice(p.Args))
	if err != nil {
		return nil, err
	}
	return appendString(appendString(b, "nsp"), p.Nsp), nil
}

// appendOpts appends socket.io's encoded BroadcastOptions.
func appendOpts(b []byte, sel Selection, f Flags) []byte {
	b = appendMapHeader(b, 3)
	b = appendStrings(appendString(b, "rooms"), sel.Rooms)
	b = appendStrings(appendString(b, "except"), sel.Except)
	return appendFlags(appendString(b, "flags"), f)
}

func appendFlags(b []byte, f Flags) []byte {
	n := 0
	for _, set := range []bool{f.Volatile, f.Compress, f.Timeout > 0, f.Logged} {
		if set {
			n++
		}
	}
	b = appendMapHeader(b, n)
	if f.Volatile {
		b = appendBool(appendString(b, "volatile"), true)
	}
	if f.Compress {
		b = appendBool(appendString(b, "compress"), true)
	}
	if f.Timeout > 0 {
		b = appendInt(appendString(b, "timeout"), f.Timeout)
	}
	if f.Logged {
		b = appendBool(appendString(b, "rtkitLogged"), true)
	}
	return b
}

func appendSocket(b []byte, s Socket) ([]byte, error) {
	b = appendMapHeader(b, 4)
	b = appendString(appendString(b, "id"), s.ID)
	var err error
	if b, err = appendRaw(appendString(b, "handshake"), s.Handshake); err != nil {
		return nil, err
	}
	b = appendStrings(appendString(b, "rooms"), s.Rooms)
	return appendRaw(appendString(b, "data"), s.Data)
}

func appendRaw(b []byte, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return appendNil(b), nil
	}
	return appendJSON(b, raw)
}

// The JSON shapes read by DecodeMessage.
type (
	messageJSON struct {
		UID  *string         `json:"uid"`
		Nsp  string          `json:"nsp"`
		Type Type            `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	dataJSON struct {
		RequestID   *string         `json:"requestId"`
		Packet      json.RawMessage `json:"packet"`
		Opts        *optsJSON       `json:"opts"`
		Rooms       json.RawMessage `json:"rooms"`
		Close       bool            `json:"close"`
		Sockets     []socketJSON    `json:"sockets"`
		ClientCount int64           `json:"clientCount"`
		AckSocket   string          `json:"rtkitSocket"`
		AckGone     bool            `json:"rtkitGone"`
	}
	optsJSON struct {
		Rooms  json.RawMessage `json:"rooms"`
		Except json.RawMessage `json:"except"`
		Flags  *flagsJSON      `json:"flags"`
	}
	flagsJSON struct {
		Volatile bool    `json:"volatile"`
		Compress bool    `json:"compress"`
		Timeout  float64 `json:"timeout"`
		Logged   bool    `json:"rtkitLogged"`
	}
	packetJSON struct {
		Type int             `json:"type"`
		Nsp  *string         `json:"nsp"`
		Data json.RawMessage `json:"data"`
	}
	socketJSON struct {
		ID        string          `json:"id"`
		Handshake json.RawMessage `json:"handshake"`
		Rooms     json.RawMessage `json:"rooms"`
		Data      json.RawMessage `json:"data"`
	}
)

// DecodeMessage decodes a message of the sharded adapter, in JSON or
// MessagePack. Errors wrap ErrMalformed.
func DecodeMessage(b []byte) (*Message, error) {
	d, err := toJSON(b)
	if err != nil {
		return nil, err
	}
	var mj messageJSON
	if err := json.Unmarshal(d.json, &mj); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if mj.UID == nil {
		return nil, fmt.Errorf("%w: no uid", ErrMalformed)
	}
	m := &Message{Type: mj.Type, UID: *mj.UID, Nsp: mj.Nsp}
	switch m.Type {
	case InitialHeartbeat, Heartbeat, AdapterClose:
		return m, nil
	}
	if m.Type < InitialHeartbeat || m.Type > AdapterClose {
		return nil, fmt.Errorf("%w: unknown type %d", ErrMalformed, m.Type)
	}
	var dj dataJSON
	if err := json.Unmarshal(mj.Data, &dj); err != nil {
		return nil, fmt.Errorf("%w: data: %w", ErrMalformed, err)
	}
	if dj.RequestID != nil {
		m.RequestID = *dj.RequestID
	}
	if needsRequestID(m.Type) && m.RequestID == "" {
		return nil, fmt.Errorf("%w: type %d without requestId", ErrMalformed, m.Type)
	}
	if err := decodeData(d, &dj, m); err != nil {
		return nil, err
	}
	return m, nil
}

func needsRequestID(t Type) bool { return t == FetchSockets || t.IsResponse() }

func decodeData(d decoded, dj *dataJSON, m *Message) error {
	var err error
	switch m.Type {
	case Broadcast:
		if m.Packet, err = d.packet(dj.Packet); err != nil {
			return err
		}
		if m.Packet.Nsp == "" {
			m.Packet.Nsp = m.Nsp
		}
		m.Sel, m.Flags, err = dj.Opts.decode()
	case SocketsJoin, SocketsLeave:
		if m.Sel, m.Flags, err = dj.Opts.decode(); err == nil {
			m.Rooms, err = rooms(dj.Rooms)
		}
	case DisconnectSockets:
		m.Sel, m.Flags, err = dj.Opts.decode()
		m.Close = dj.Close
	case FetchSockets:
		m.Sel, m.Flags, err = dj.Opts.decode()
	case ServerSideEmit:
		if m.Args, err = d.args(dj.Packet); err == nil {
			err = eventName(m.Args)
		}
	case FetchSocketsResponse:
		m.Sockets, err = d.sockets(dj.Sockets)
	case ServerSideEmitResponse, BroadcastAck:
		if len(dj.Packet) > 0 {
			m.Answer, err = d.arg(dj.Packet)
		}
		m.AckSocket, m.AckGone = dj.AckSocket, dj.AckGone
	case BroadcastClientCount:
		m.ClientCount = dj.ClientCount
	}
	return err
}

func (o *optsJSON) decode() (Selection, Flags, error) {
	if o == nil {
		return Selection{}, Flags{}, fmt.Errorf("%w: no opts", ErrMalformed)
	}
	var sel Selection
	var err error
	if sel.Rooms, err = rooms(o.Rooms); err != nil {
		return sel, Flags{}, err
	}
	if sel.Except, err = rooms(o.Except); err != nil {
		return sel, Flags{}, err
	}
	var f Flags
	if o.Flags != nil {
		f = Flags{Volatile: o.Flags.Volatile, Compress: o.Flags.Compress, Logged: o.Flags.Logged}
		if o.Flags.Timeout > 0 && o.Flags.Timeout < 1<<53 {
			f.Timeout = int64(o.Flags.Timeout)
		}
	}
	return sel, f, nil
}

// packet decodes a Socket.IO event packet; its Nsp is empty when absent.
func (d decoded) packet(raw json.RawMessage) (Packet, error) {
	var pj packetJSON
	if err := json.Unmarshal(raw, &pj); err != nil {
		return Packet{}, fmt.Errorf("%w: packet: %w", ErrMalformed, err)
	}
	if pj.Type != PacketEvent && pj.Type != PacketBinaryEvent {
		return Packet{}, fmt.Errorf("%w: packet type %d is not an event", ErrMalformed, pj.Type)
	}
	p := Packet{Type: pj.Type}
	if pj.Nsp != nil {
		p.Nsp = *pj.Nsp
	}
	var err error
	if p.Args, err = d.args(pj.Data); err != nil {
		return Packet{}, err
	}
	if err := eventName(p.Args); err != nil {
		return Packet{}, err
	}
	return p, nil
}

// eventName checks that args starts with an event name, and makes it a
// string.
func eventName(args []any) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: event without a name", ErrMalformed)
	}
	raw, ok := args[0].(json.RawMessage)
	var name string
	if !ok || json.Unmarshal(raw, &name) != nil {
		return fmt.Errorf("%w: event name is not a string", ErrMalformed)
	}
	args[0] = name
	return nil
}

func (d decoded) sockets(in []socketJSON) ([]Socket, error) {
	out := make([]Socket, 0, len(in))
	for _, sj := range in {
		s := Socket{ID: sj.ID}
		var err error
		if s.Handshake, err = d.plainJSON(sj.Handshake); err != nil {
			return nil, err
		}
		if s.Data, err = d.plainJSON(sj.Data); err != nil {
			return nil, err
		}
		if s.Rooms, err = rooms(sj.Rooms); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
