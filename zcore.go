package rtkit

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	engine "github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// zCore is the core on the zishang520 Socket.IO server (servers/socket,
// servers/engine): the default while package adapter's Redis adapters,
// which are built on that server's adapter interface, need it.
type zCore struct {
	srv     *Server
	io      *socket.Server
	handler http.Handler
	// recoveries hands each namespace's recovery to the adapter the
	// underlying server builds for it (name → *recovery), while Mount
	// runs.
	recoveries sync.Map
}

func newZCore(s *Server) *zCore {
	cfg := &s.cfg
	z := &zCore{srv: s}
	o := socket.DefaultServerOptions()
	o.SetServeClient(false)
	o.SetParser(codedParser{parser.NewParser()}) // refusal.go
	o.SetPath(strings.TrimSuffix(cfg.path, "/"))
	o.SetCleanupEmptyChildNamespaces(true)
	kinds := cfg.transports
	if len(kinds) == 0 {
		kinds = []Transport{Polling, WebSocket}
	}
	set := types.NewSet[transports.TransportCtor]()
	for _, t := range kinds {
		switch t {
		case Polling:
			set.Add(engine.Polling)
		case WebSocket:
			set.Add(&webSocketTransport{})
		}
	}
	o.SetTransports(set)
	if cfg.pingInterval > 0 {
		o.SetPingInterval(cfg.pingInterval)
	}
	if cfg.pingTimeout > 0 {
		o.SetPingTimeout(cfg.pingTimeout)
	} else {
		o.SetPingTimeout(zishangPingTimeout)
	}
	if cfg.connectTimeout > 0 {
		o.SetConnectTimeout(cfg.connectTimeout)
	}
	if cfg.maxPayload > 0 {
		o.SetMaxHttpBufferSize(cfg.maxPayload)
	}
	if len(cfg.origins) > 0 {
		o.SetCors(&types.Cors{Origin: append([]string(nil), cfg.origins...), Credentials: true})
	}
	inner := legacyConstructor(cfg.adapter)
	if !cfg.recoveryOff {
		csr := socket.DefaultConnectionStateRecovery()
		csr.SetMaxDisconnectionDuration(cfg.recovery.Milliseconds())
		// Connection middleware (authentication) runs again on recovery.
		csr.SetSkipMiddlewares(false)
		o.SetConnectionStateRecovery(csr)
		o.SetAdapter(newRecoveryBuilder(z, inner))
	} else if inner != nil {
		o.SetAdapter(inner)
	} else {
		o.SetAdapter(directBuilder{}) // zcore_broadcast.go
	}
	o.SetAllowRequest(func(*types.HttpContext) error {
		if s.closing.Load() {
			return ErrServerClosed
		}
		return nil
	})
	z.io = socket.NewServer(nil, o)
	z.io.Of("/", nil).Use(s.refuseMainNamespace)
	z.handler = z.io.ServeHandler(nil)
	return z
}

func (z *zCore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	z.handler.ServeHTTP(releaseAfterUpgrade(w, r), r) // zcore_upgrade.go
}

func (z *zCore) mount(n *Namespace) namespaceCore {
	if n.recovery != nil {
		z.recoveries.Store(n.name, n.recovery)
	}
	zn := &zNamespace{n: n, core: z}
	zn.raw = z.io.Of(n.name, nil)
	zn.raw.Use(zn.handshake)
	_ = zn.raw.On("connection", func(args ...any) {
		if rs, ok := args[0].(*socket.Socket); ok {
			zn.connection(rs)
		}
	})
	return zn
}

func (z *zCore) close() {
	done := make(chan struct{})
	z.io.Close(func(error) { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}
