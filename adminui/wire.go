package adminui

import (
	"net"
	"time"

	"github.com/rtkit-go/rtkit"
)

// What the admin namespace sends, as the UI reads it.

// feature names what the UI may offer (its "config" event).
type feature string

const (
	featureJoin        feature = "JOIN"
	featureLeave       feature = "LEAVE"
	featureDisconnect  feature = "DISCONNECT"
	featureMJoin       feature = "MJOIN"
	featureMLeave      feature = "MLEAVE"
	featureMDisconnect feature = "MDISCONNECT"
	featureAggregated  feature = "AGGREGATED_EVENTS"
	featureAllEvents   feature = "ALL_EVENTS"
)

// uiConfig is the payload of "config".
type uiConfig struct {
	SupportedFeatures []feature `json:"supportedFeatures"`
}

// wireSocket describes one socket to the UI.
type wireSocket struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId"`
	Transport string         `json:"transport"`
	Nsp       string         `json:"nsp"`
	Data      map[string]any `json:"data"`
	Handshake wireHandshake  `json:"handshake"`
	// Rooms begin with the socket's own id room, as Socket.IO lists them.
	Rooms []string `json:"rooms"`
}

// wireHandshake is the part of a handshake the UI is shown: no headers,
// no auth object and no query, which can carry credentials.
type wireHandshake struct {
	Address string            `json:"address"`
	Headers map[string]string `json:"headers"`
	Query   map[string]string `json:"query"`
	Issued  int64             `json:"issued"`
	Time    string            `json:"time"`
}

// What the UI is shown of a socket's rooms: the first maxListedRooms of
// them, and no room whose name is longer than maxRoomShown (live updates
// leave them out too). The socket stays in them all.
const (
	maxListedRooms = 1000
	maxRoomShown   = 1024
)

// shownRooms is the socket's own id room, then what the UI is shown of
// its other rooms.
func shownRooms(id string, rooms []string) []string {
	out := make([]string, 1, 1+min(len(rooms), maxListedRooms))
	out[0] = id
	for _, r := range rooms {
		if len(out) > maxListedRooms {
			break
		}
		if len(r) <= maxRoomShown {
			out = append(out, r)
		}
	}
	return out
}

// describeSocket turns what Rooms.Fetch returns into what the UI reads.
func describeSocket(nsp string, info rtkit.SocketInfo) wireSocket {
	addr := info.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	return wireSocket{
		ID: info.ID, ClientID: info.ClientID, Transport: string(info.Transport), Nsp: nsp,
		Data: map[string]any{},
		Handshake: wireHandshake{
			Address: addr, Headers: map[string]string{}, Query: map[string]string{},
			Issued: info.Connected.UnixMilli(), Time: info.Connected.UTC().Format(time.RFC1123),
		},
		Rooms: shownRooms(info.ID, info.Rooms),
	}
}

// socketOf describes a socket of this server.
func socketOf(s *rtkit.Socket) wireSocket {
	hs := s.Handshake()
	return describeSocket(s.Namespace(), rtkit.SocketInfo{
		ID: s.ID(), Rooms: s.Rooms(), RemoteAddr: hs.RemoteAddr, Connected: hs.Time,
		Transport: s.Transport(), ClientID: s.ClientID(), Local: true,
	})
}

// ServerStats is what one server reports every two seconds (the UI's
// "server_stats"); servers ask each other for it with a server event.
type ServerStats struct {
	ServerID string `json:"serverId"`
	Hostname string `json:"hostname"`
	PID      int    `json:"pid"`
	// Uptime is in seconds.
	Uptime float64 `json:"uptime"`
	// ClientsCount counts the connections of this server's sockets,
	// PollingClientsCount those still on HTTP long-polling.
	ClientsCount        int `json:"clientsCount"`
	PollingClientsCount int `json:"pollingClientsCount"`
	// AggregatedEvents counts, per second, what happened since the last
	// report.
	AggregatedEvents []CountedEvent `json:"aggregatedEvents"`
	// Namespaces counts this server's sockets per namespace.
	Namespaces []NamespaceCount `json:"namespaces"`
}

// CountedEvent counts events of one type within one second.
type CountedEvent struct {
	// Timestamp is the second, in Unix milliseconds.
	Timestamp int64 `json:"timestamp"`
	// Type is "rawConnection" (a socket connected), "rawDisconnection"
	// (SubType is the reason) or "packetsIn" (an event was received).
	Type    string `json:"type" jsonschema:"enum=rawConnection,enum=rawDisconnection,enum=packetsIn"`
	SubType string `json:"subType,omitempty"`
	Count   int    `json:"count" jsonschema:"minimum=1"`
}

// NamespaceCount counts the sockets of one namespace.
type NamespaceCount struct {
	Name         string `json:"name"`
	SocketsCount int    `json:"socketsCount" jsonschema:"minimum=0"`
}

// statsRequest asks a server for its ServerStats.
type statsRequest struct{}

// statsEvent is the server event through which servers exchange their
// statistics.
var statsEvent = rtkit.NewEvent[statsRequest, ServerStats]("adminui:stats",
	rtkit.Summary("Ask a server for its statistics"))
