// Package api serves the workspace application's REST API, its health
// endpoint and the demo page.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/identity"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

// Realtime is what the REST API tells the Socket.IO side. Emit failures
// are logged, never turned into failed requests: the change is stored.
type Realtime interface {
	DocumentUpdated(d store.Document) error
	DocumentDeleted(d store.Document) error
	// DocumentAttachment shares a file with the owner's sockets and the
	// document's followers.
	DocumentAttachment(owner uuid.UUID, a realtime.Attachment) error
	NotificationNew(n store.Notification) error
	NotificationUpdated(user uuid.UUID, n store.Notification) error
	// SessionEnded disconnects the session's sockets everywhere.
	SessionEnded(session uuid.UUID) int
	Health(ctx context.Context) rtkit.Health
	NamespaceNames() []string
}

// API holds what the handlers need. Set the fields, then call Handler.
type API struct {
	// Identity signs users up and in and resolves session tokens.
	Identity *identity.Service
	// Stores hold the documents and notifications (and back Identity).
	Stores store.Stores
	// Realtime is nil when Socket.IO is disabled.
	Realtime Realtime
	// Origins may call the API from browsers (CORS).
	Origins []string
	// Web is the demo page's file tree (index.html at its root).
	Web fs.FS
	// ClientScript finds socket.io.min.js.
	ClientScript ClientScript
	// Log receives server errors and, at debug level, every request.
	Log *slog.Logger
	// Throttle limits sign-ups and sign-ins (nil: none).
	Throttle *Throttle
	// Quotas bound what one user may store.
	Quotas config.Limits
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// route is one endpoint of the REST API.
type route struct {
	method, path string
	handler      http.HandlerFunc
}

// routes lists the REST API's endpoints.
func (a *API) routes() []route {
	return []route{
		{"POST", "/api/auth/sign-up", a.signUp},
		{"POST", "/api/auth/sign-in", a.signIn},
		{"GET", "/api/auth/get-session", a.authed(a.getSession)},
		{"POST", "/api/auth/sign-out", a.authed(a.signOut)},

		{"GET", "/api/documents", a.authed(a.listDocuments)},
		{"POST", "/api/documents", a.authed(a.createDocument)},
		{"GET", "/api/documents/{id}", a.authed(a.getDocument)},
		{"PATCH", "/api/documents/{id}", a.authed(a.patchDocument)},
		{"DELETE", "/api/documents/{id}", a.authed(a.deleteDocument)},
		{"POST", "/api/documents/{id}/attachments", a.authed(a.shareAttachment)},

		{"GET", "/api/notifications", a.authed(a.listNotifications)},
		{"POST", "/api/notifications", a.authed(a.createNotification)},
		{"POST", "/api/notifications/{id}/read", a.authed(a.readNotification)},
	}
}

// Handler returns the HTTP handler of everything but the Socket.IO
// endpoint.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	allowed := map[string][]string{} // path → its methods, for 405 answers
	for _, rt := range a.routes() {
		mux.HandleFunc(rt.method+" "+rt.path, rt.handler)
		allowed[rt.path] = append(allowed[rt.path], rt.method)
		if rt.method == http.MethodGet {
			allowed[rt.path] = append(allowed[rt.path], http.MethodHead) // ServeMux serves HEAD with GET
		}
	}
	// Known paths with another method answer in the API's error format.
	for path, methods := range allowed {
		allow := strings.Join(methods, ", ")
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, r, a.Log, errorf(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method %s not allowed", r.Method))
		})
	}
	mux.HandleFunc("GET /health", a.health)
	mux.HandleFunc("GET /vendor/socket.io.min.js", a.ClientScript.serve)
	// Everything else: the demo page, or the API's 404 for unknown API
	// paths. (Method-less, so that it does not conflict with the
	// method-less API paths above.)
	var files http.Handler = http.NotFoundHandler()
	if a.Web != nil {
		files = http.FileServerFS(a.Web)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/api":
			writeError(w, r, a.Log, errorf(http.StatusNotFound, "NOT_FOUND", "no such endpoint"))
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		case (r.URL.Path == "/" || r.URL.Path == "/index.html") && a.Web != nil:
			a.servePage(w, r)
		default:
			files.ServeHTTP(w, r)
		}
	})
	return securityHeaders(a.cors(a.crossOrigin(a.logRequests(mux))))
}

// logRequests logs every request at debug level; with debug off, it
// costs nothing.
func (a *API) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.Log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		a.Log.Debug("http request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration", time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// announce tells the Socket.IO side about a stored change through emit,
// when Socket.IO is enabled. A failure is logged, never turned into a
// failed request: the change is stored either way.
func (a *API) announce(event string, id uuid.UUID, emit func(Realtime) error) {
	if a.Realtime == nil {
		return
	}
	if err := emit(a.Realtime); err != nil {
		a.Log.Warn("emit failed", "event", event, "id", id, "err", err)
	}
}
