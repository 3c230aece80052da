package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/identity"
)

// StatusJSON is the body of GET /health for anyone but an admin: the
// status alone, which is what a load balancer needs.
type StatusJSON struct {
	Status string `json:"status"`
}

// HealthJSON is the body of GET /health for an admin's session.
type HealthJSON struct {
	// Status is "ok", "degraded" (the adapter or the store is down) or
	// "shutting_down"; anything but "ok" answers 503.
	Status   string       `json:"status"`
	SocketIO SocketIOJSON `json:"socketio"`
	Adapter  AdapterJSON  `json:"adapter"`
	Store    AdapterJSON  `json:"store"`
}

// SocketIOJSON describes the Socket.IO side.
type SocketIOJSON struct {
	Enabled    bool            `json:"enabled"`
	Connected  int             `json:"connected"`
	Namespaces []NamespaceJSON `json:"namespaces"`
}

// NamespaceJSON counts a namespace's sockets on this process.
type NamespaceJSON struct {
	Name      string `json:"name"`
	Connected int    `json:"connected"`
}

// AdapterJSON says which backend is used and whether it works.
type AdapterJSON struct {
	Kind string `json:"kind"`
	OK   bool   `json:"ok"`
}

func (a *API) health(w http.ResponseWriter, r *http.Request) {
	h := HealthJSON{
		Status:   "ok",
		SocketIO: SocketIOJSON{Namespaces: []NamespaceJSON{}},
		Adapter:  AdapterJSON{Kind: "none", OK: true},
		Store:    AdapterJSON{Kind: a.Stores.Kind, OK: true},
	}
	if a.Stores.Ping != nil {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		if a.Stores.Ping(ctx) != nil {
			h.Store.OK = false
			h.Status = "degraded"
		}
		cancel()
	}
	if a.Realtime != nil {
		rh := a.Realtime.Health(r.Context())
		h.SocketIO.Enabled = true
		for _, name := range a.Realtime.NamespaceNames() {
			n := rh.Sockets[name]
			h.SocketIO.Namespaces = append(h.SocketIO.Namespaces, NamespaceJSON{Name: name, Connected: n})
			h.SocketIO.Connected += n
		}
		h.Adapter = AdapterJSON{Kind: adapterKind(rh.Adapter.Name), OK: rh.Adapter.Healthy}
		switch {
		case rh.Status == "shutting_down":
			h.Status = rh.Status
		case rh.Status != "ok":
			h.Status = "degraded"
		}
	}
	status := http.StatusOK
	if h.Status != "ok" {
		status = http.StatusServiceUnavailable
	}
	if !a.isAdmin(r) {
		// Socket counts, namespaces and backends tell an attacker how
		// busy the service is and what it runs on.
		writeJSON(w, status, StatusJSON{Status: h.Status})
		return
	}
	writeJSON(w, status, h)
}

// isAdmin reports whether the request carries the session of an admin.
func (a *API) isAdmin(r *http.Request) bool {
	token := credential(r)
	if token == "" {
		return false
	}
	_, u, err := a.Identity.Lookup(r.Context(), token)
	return err == nil && u.Role == identity.RoleAdmin
}

// adapterKind names the adapter as the health endpoint reports it:
// "memory" or "redis".
func adapterKind(name string) string {
	if strings.HasPrefix(name, "redis") {
		return "redis"
	}
	return name
}
