package adapter

import (
	"encoding/json"
	"net/url"
	"slices"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter/internal/wire"
)

// Conversions between rtkit's types and the wire's.

func selection(sel rtkit.Selection) (wire.Selection, wire.Flags) {
	return wire.Selection{Rooms: sel.Rooms, Except: sel.Except}, wire.Flags{Logged: sel.Logged}
}

func fromWire(sel wire.Selection, f wire.Flags) rtkit.Selection {
	return rtkit.Selection{Rooms: sel.Rooms, Except: sel.Except, Logged: f.Logged}
}

// handshakeJSON is the part of Node's socket.handshake that fetchSockets
// carries across servers. rtkit sends no credentials: headers and auth
// are empty.
type handshakeJSON struct {
	Headers map[string]string `json:"headers"`
	Time    string            `json:"time"`
	Address string            `json:"address"`
	XDomain bool              `json:"xdomain"`
	Secure  bool              `json:"secure"`
	Issued  int64             `json:"issued"`
	URL     string            `json:"url"`
	Query   map[string]any    `json:"query"`
	Auth    map[string]any    `json:"auth"`
}

// toWireSocket describes s as Node's RemoteSocket: its id room first in
// its rooms, its handshake without credentials, empty data.
func toWireSocket(s rtkit.RemoteSocket) wire.Socket {
	h := handshakeJSON{Headers: map[string]string{}, Address: s.Address, Query: map[string]any{}, Auth: map[string]any{}}
	if !s.Connected.IsZero() {
		h.Issued = s.Connected.UnixMilli()
		h.Time = s.Connected.UTC().Format(time.RFC1123)
	}
	for k, vs := range s.Query {
		switch len(vs) {
		case 0:
		case 1:
			h.Query[k] = vs[0]
		default:
			h.Query[k] = vs
		}
	}
	raw, _ := json.Marshal(h) // strings and numbers only: it cannot fail
	rooms := make([]string, 0, len(s.Rooms)+1)
	rooms = append(rooms, s.ID)
	for _, r := range s.Rooms {
		if r != s.ID {
			rooms = append(rooms, r)
		}
	}
	return wire.Socket{ID: s.ID, Handshake: raw, Rooms: rooms, Data: socketData(s)}
}

// adminData is where Node's Admin UI server (@socket.io/admin-ui) keeps a
// socket's client id and transport in its data, which fetchSockets
// carries: rtkit puts them there too, and reads them there from Node
// servers that run it.
type adminData struct {
	Admin *adminFields `json:"_admin,omitempty"`
}

type adminFields struct {
	ClientID  string `json:"clientId,omitempty"`
	Transport string `json:"transport,omitempty"`
}

// socketData is the data of s on the wire: {} or its _admin part.
func socketData(s rtkit.RemoteSocket) json.RawMessage {
	if s.ClientID == "" && s.Transport == "" {
		return json.RawMessage(`{}`)
	}
	raw, _ := json.Marshal(adminData{Admin: &adminFields{ClientID: s.ClientID, Transport: string(s.Transport)}}) // strings only: it cannot fail
	return raw
}

// fromWireSocket reads a socket of another server: its rooms without its
// id room, address, query and time of handshake when they have the types
// Node gives them (other fields are ignored).
func fromWireSocket(w wire.Socket) rtkit.RemoteSocket {
	s := rtkit.RemoteSocket{ID: w.ID, Rooms: slices.DeleteFunc(slices.Clone(w.Rooms), func(r string) bool { return r == w.ID })}
	var d adminData
	if json.Unmarshal(w.Data, &d) == nil && d.Admin != nil {
		if t := rtkit.Transport(d.Admin.Transport); t == rtkit.Polling || t == rtkit.WebSocket {
			s.Transport = t
		}
		if len(d.Admin.ClientID) <= 64 {
			s.ClientID = d.Admin.ClientID
		}
	}
	var h struct {
		Address any            `json:"address"`
		Issued  any            `json:"issued"`
		Query   map[string]any `json:"query"`
	}
	if json.Unmarshal(w.Handshake, &h) != nil {
		return s
	}
	if a, ok := h.Address.(string); ok {
		s.Address = a
	}
	if ms, ok := h.Issued.(float64); ok && ms > 0 && ms < 1e15 {
		s.Connected = time.UnixMilli(int64(ms))
	}
	for k, v := range h.Query {
		switch v := v.(type) {
		case string:
			s.Query = addQuery(s.Query, k, v)
		case []any:
			for _, e := range v {
				if e, ok := e.(string); ok {
					s.Query = addQuery(s.Query, k, e)
				}
			}
		}
	}
	return s
}

func addQuery(q url.Values, k, v string) url.Values {
	if q == nil {
		q = url.Values{}
	}
	q.Add(k, v)
	return q
}

// answerArgs turns the one answer Node passes on into acknowledgement
// arguments (none when absent).
func answerArgs(answer any) []any {
	if answer == nil {
		return nil
	}
	return []any{answer}
}

// firstArg is the one acknowledgement argument that crosses to Node (its
// cluster adapter passes one on).
func firstArg(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}
