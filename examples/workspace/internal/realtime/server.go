package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adminui"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
	"github.com/rtkit-go/rtkit/ratelimit"
)

// Options configures the realtime server.
type Options struct {
	// Path is the Socket.IO endpoint ("/socket.io").
	Path string
	// Origins are the CORS origins browsers may connect from.
	Origins []string
	// Adapter carries broadcasts between processes; nil means in memory,
	// with connection state recovery (2 minutes).
	Adapter rtkit.Adapter
	// RateLimit limits the events of each socket.
	RateLimit ratelimit.Limit
	// Authenticator checks the handshake's session.
	Authenticator auth.Authenticator
	// Documents and Notifications are the stores the handlers read.
	Documents     store.Documents
	Notifications store.Notifications
	// DeliveryLog, when set, keeps what was emitted for recovering
	// clients (package redislog, with Adapter); nil means in memory.
	DeliveryLog rtkit.DeliveryLog
	// Logger receives connections, refusals and errors.
	Logger *slog.Logger
	// Connections bounds the sockets of one address and one user (its
	// UserKey is set here).
	Connections ratelimit.ConnConfig
	// Observer, when set, watches the server (metrics and traces).
	Observer rtkit.Observer
	// Admin serves the Socket.IO Admin UI's namespace and observes the
	// others; nil means no admin namespace.
	Admin *adminui.Admin
}

// Server is the Socket.IO side of the application. Its methods are safe for
// concurrent use.
type Server struct {
	rt      *rtkit.Server
	notes   *rtkit.Namespace
	docs    *rtkit.Namespace
	revoker *auth.Revoker
	log     *slog.Logger
}

// New builds the server with both namespaces mounted, and the Admin UI's
// namespace when o.Admin is set.
func New(o Options) *Server {
	s := &Server{revoker: &auth.Revoker{}, log: o.Logger}
	// What the application's namespaces need: sign-in, limits, logs.
	app := rtkit.Options(
		auth.Required(o.Authenticator, auth.WithRevoker(s.revoker), auth.WithLogger(o.Logger)),
		ratelimit.Events(ratelimit.Config{Socket: o.RateLimit, Logger: o.Logger}),
		ratelimit.Connections(connections(o.Connections)),
		rtkit.OnConnect(s.connected),
		rtkit.OnDisconnect(s.disconnected),
		rtkit.WithMiddleware(s.logFailures),
	)
	opts := []rtkit.ServerOption{
		rtkit.WithPath(o.Path),
		rtkit.WithCORS(o.Origins...),
		rtkit.WithLogger(o.Logger),
	}
	var nsOpts []rtkit.NamespaceOption
	if o.Admin == nil {
		opts = append(opts, app)
	} else {
		// The admin namespace has a login of its own: the application's
		// options go to the application's namespaces only.
		opts = append(opts, o.Admin.Option())
		nsOpts = append(nsOpts, app)
	}
	if o.Adapter != nil {
		opts = append(opts, rtkit.WithAdapter(o.Adapter))
	}
	if o.DeliveryLog != nil {
		// Behind a cluster adapter, recovery needs a log every process
		// shares (package redislog); alone, the in-memory default.
		opts = append(opts, rtkit.WithDeliveryLog(o.DeliveryLog))
	}
	if o.Observer != nil {
		opts = append(opts, rtkit.WithObserver(o.Observer))
	}
	opts = append(opts, rtkit.WithRecovery(2*time.Minute))
	s.rt = rtkit.NewServer(opts...)
	s.notes = notificationsNamespace(o.Notifications, nsOpts...)
	s.docs = documentsNamespace(o.Documents, s.DocumentAttachment, nsOpts...)
	s.rt.Mount(s.notes, s.docs)
	if o.Admin != nil {
		s.rt.Mount(o.Admin.Namespace())
	}
	return s
}

// connections completes c: the user is the handshake's principal (the
// option comes after auth.Required).
func connections(c ratelimit.ConnConfig) ratelimit.ConnConfig {
	c.UserKey = func(ctx context.Context, _ *rtkit.Socket) string { return userOf(ctx) }
	return c
}

// RT returns the rtkit server (for its Spec, say).
func (s *Server) RT() *rtkit.Server { return s.rt }

// Path returns the HTTP path prefix to route to Handler.
func (s *Server) Path() string { return s.rt.Path() }

// Handler returns the Socket.IO endpoint.
func (s *Server) Handler() http.Handler { return s.rt.Handler() }

// Shutdown stops the server: see rtkit.Server.Shutdown.
func (s *Server) Shutdown(ctx context.Context) error { return s.rt.Shutdown(ctx) }

// Health reports the server's health.
func (s *Server) Health(ctx context.Context) rtkit.Health { return s.rt.Health(ctx) }

// NamespaceNames lists the mounted namespaces, sorted.
func (s *Server) NamespaceNames() []string {
	names := []string{s.notes.Name(), s.docs.Name()}
	slices.Sort(names)
	return names
}

func (s *Server) connected(ctx context.Context, so *rtkit.Socket) {
	s.log.Info("socket connected", "namespace", so.Namespace(), "socket", so.ID(),
		"user", userOf(ctx), "recovered", so.Recovered())
}

func (s *Server) disconnected(so *rtkit.Socket, reason string) {
	s.log.Info("socket disconnected", "namespace", so.Namespace(), "socket", so.ID(),
		"user", userOf(so.Context()), "reason", reason)
}

// logFailures logs every event that failed, with who sent it. Unexpected
// errors are logged by rtkit as well, with their cause.
func (s *Server) logFailures(next rtkit.HandlerFunc) rtkit.HandlerFunc {
	return func(ctx context.Context, so *rtkit.Socket, req *rtkit.Request) (json.RawMessage, error) {
		data, err := next(ctx, so, req)
		if err != nil {
			s.log.Info("event refused", "namespace", so.Namespace(), "socket", so.ID(),
				"user", userOf(ctx), "event", req.Event.Name, "code", rtkit.CodeOf(err))
		}
		return data, err
	}
}

// DocumentUpdated tells the owner's sockets and the document's followers.
func (s *Server) DocumentUpdated(d store.Document) error {
	return rtkit.Emit(s.docs.To(UserRoom(d.OwnerID), DocumentRoom(d.ID)), DocumentUpdated, SummaryOf(d))
}

// DocumentDeleted tells the owner's sockets and the document's followers,
// which then leave the document's room.
func (s *Server) DocumentDeleted(d store.Document) error {
	err := rtkit.Emit(s.docs.To(UserRoom(d.OwnerID), DocumentRoom(d.ID)), DocumentDeletedEvent, DocumentDeleted{ID: d.ID})
	s.docs.To(DocumentRoom(d.ID)).Leave(DocumentRoom(d.ID))
	return err
}

// NotificationNew sends a new notification to its user, or to the
// broadcast channel.
func (s *Server) NotificationNew(n store.Notification) error {
	room := BroadcastRoom
	if !n.Broadcast {
		room = UserRoom(n.UserID)
	}
	return rtkit.Emit(s.notes.To(room), NotificationNew, NotificationOf(n))
}

// NotificationUpdated tells user's sockets that n changed.
func (s *Server) NotificationUpdated(user uuid.UUID, n store.Notification) error {
	return rtkit.Emit(s.notes.To(UserRoom(user)), NotificationUpdated, NotificationOf(n))
}

// SessionEnded disconnects the session's sockets in both namespaces, on
// every process the adapter reaches, and refuses the session from now on.
func (s *Server) SessionEnded(session uuid.UUID) int {
	return s.revoker.RevokeSession(s.rt, session.String())
}
