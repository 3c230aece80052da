package rtkit

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// DeliveryLog keeps the server → client events of each namespace in order,
// for a bounded window, so that a client that lost its connection gets on
// reconnect exactly the events it missed: in order, without duplicates,
// after its authentication and room policies are checked again. When that
// is impossible (the window was exceeded, the session is unknown) the
// socket receives ResyncEvent instead, never a silent gap.
//
// NewMemoryLog is the default (one process). Package redislog keeps the log
// in Redis Streams, so that a client reconnecting to another server behind
// a load balancer gets the same guarantee.
//
// Implementations must be safe for concurrent use.
type DeliveryLog interface {
	// Open starts the log of one namespace on this server. From then on the
	// log calls deliver with every entry appended to the namespace's log
	// (by this server or, for a shared log, any other), exactly once, in
	// offset order, one call at a time. The server delivers the entry to
	// its own sockets from deliver.
	Open(ctx context.Context, namespace string, deliver func(LogEntry)) (NamespaceLog, error)
	// Shared reports whether servers in other processes see the same log.
	// Behind a cluster adapter, recovery needs a shared log.
	Shared() bool
}

// NamespaceLog is one namespace's log on one server. Its methods are safe
// for concurrent use.
type NamespaceLog interface {
	// Append adds an entry at the end of the log; the log sets its Offset
	// and hands it to deliver (on this server at once or later, and on
	// every other server sharing the log). An error means the entry was
	// neither stored nor delivered.
	Append(ctx context.Context, e LogEntry) error
	// Head returns the offset deliver starts after: the log's last entry
	// when Open returned (its starting point when it has none). The
	// server calls it once, right after Open, before any deliver call.
	Head() string
	// Range calls fn, in order, with the replayable entries after offset
	// after, up to and including offset through ("" for no upper bound). A
	// nil fn only checks after. It returns ErrLogGap if entries after after
	// are gone (trimmed, or after comes from another log).
	Range(ctx context.Context, after, through string, fn func(LogEntry) error) error
	// SaveSession keeps a disconnected socket's session under its private
	// id for ttl.
	SaveSession(ctx context.Context, pid string, s LogSession, ttl time.Duration) error
	// TakeSession returns and forgets the session saved under pid; ok is
	// false when there is none (never saved, expired, already taken).
	TakeSession(ctx context.Context, pid string) (s LogSession, ok bool, err error)
	// Close stops delivering and releases what Open started.
	Close() error
}

// LogEntry is one server → client event in a namespace's log.
type LogEntry struct {
	// Offset identifies the entry in its log; the log sets it. It is what
	// the client sends back on reconnect.
	Offset string
	// Rooms selects the sockets in any of them; empty means every socket
	// of the namespace. A socket's own id is a room.
	Rooms []string
	// Except removes the sockets in any of these rooms.
	Except []string
	// Event is the event name.
	Event string
	// Payload is the encoded payload.
	Payload json.RawMessage
	// Transient entries are delivered in order with the others but never
	// replayed (events declared with NotReplayable).
	Transient bool
	// Disconnect entries carry no event: each server disconnects its
	// sockets that Rooms and Except select when the entry is delivered,
	// after every entry before it. That is how a disconnection follows the
	// events emitted before it (a revocation notice, say) instead of
	// overtaking them. They are always Transient.
	Disconnect bool
}

// LogSession is what the log keeps of a disconnected socket.
type LogSession struct {
	// SocketID is the socket's public id, kept after recovery.
	SocketID string `json:"sid"`
	// Rooms are the rooms the socket was in, without its own id.
	Rooms []string `json:"rooms,omitempty"`
	// Owner is the identity of the socket (Socket.SetIdentity), empty when
	// its connection middleware stated none. Only a socket with the same
	// identity recovers the session.
	Owner string `json:"owner,omitempty"`
}

// ErrLogGap reports that a log no longer holds every entry after an offset.
var ErrLogGap = errors.New("rtkit: delivery log: entries after this offset are gone")

// WithDeliveryLog sets the log that makes recovery lossless (default: a
// NewMemoryLog with its default bounds). Recovery itself is switched and
// timed by WithRecovery. Behind a cluster adapter (package adapter),
// recovery is on only with a shared log, such as package redislog's.
func WithDeliveryLog(l DeliveryLog) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.deliveryLog = l })
}

// NotReplayable marks a server → client event as transient: it is
// delivered like any other but kept out of the recovery log, so a client
// that was away never gets it (typing indicators, presence pings). Events
// are replayable by default.
func NotReplayable() EventOption {
	return eventOptionFunc(func(d *eventDesc) { d.transient = true })
}

// ResyncReason says why a reconnected socket could not get what it missed.
type ResyncReason string

// The reasons ResyncEvent carries.
const (
	// ResyncWindowExceeded: the client was away longer than the log keeps
	// events (by time or by count), or the log could not be read.
	ResyncWindowExceeded ResyncReason = "window_exceeded"
	// ResyncUnknownSession: the server does not know the client's session
	// (it expired, was already used, or the client never got an offset).
	ResyncUnknownSession ResyncReason = "unknown_session"
)

// Resync is the payload of ResyncEvent.
type Resync struct {
	// Reason is "window_exceeded" or "unknown_session".
	Reason ResyncReason `json:"reason" jsonschema:"enum=window_exceeded,enum=unknown_session"`
}

// ResyncEvent ("rtkit:resync") tells a reconnected client that events may
// have been lost while it was away, so it must fetch the current state from
// the application's API. It is sent right after connect, before any other
// event, to a socket whose handshake carried a recovery session (pid) that
// could not be recovered, with the offset the client resumes from as a
// trailing argument. With recovery on, every namespace declares it in its
// Spec by itself.
var ResyncEvent = NewEvent[Resync, NoAck]("rtkit:resync",
	Summary("Events may have been lost while the client was away: fetch the current state"),
	Description("Sent right after connect when the client asked to recover its session (Socket.IO "+
		"connection state recovery) and the server could not replay exactly what it missed. "+
		"reason is window_exceeded (away longer than the server keeps events) or unknown_session."))
