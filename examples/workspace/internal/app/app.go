// Package app wires the workspace application together: stores, identity,
// the Socket.IO side and the REST API on one HTTP server, and shuts them
// down in order.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rtkit-go/rtkit/redislog"

	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/api"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/identity"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
	"github.com/rtkit-go/rtkit/ratelimit"
)

// Options are what New needs beyond the configuration.
type Options struct {
	// Logger receives everything (slog.Default() when nil).
	Logger *slog.Logger
	// Web is the demo page's files, index.html at the root (none when nil).
	Web fs.FS
	// BcryptCost overrides the password hashing cost (tests lower it).
	BcryptCost int
	// Listener, when set, is what Run serves on instead of listening on
	// the configured port: the inherited socket of socket activation
	// (Inherited).
	Listener net.Listener
}

// App is the running application.
type App struct {
	cfg    config.Config
	log    *slog.Logger
	stores store.Stores
	rt     *realtime.Server // nil when Socket.IO is disabled
	http   *http.Server
	// logClient serves the Redis delivery log, limitClient the rate
	// limits (nil without REDIS_URL).
	logClient, limitClient *redis.Client
	// stopCleanup stops the background clean-up and waits for it.
	stopCleanup func()
	// tel is the metrics and traces (telemetry.go).
	tel *telemetry
	// ln is Options.Listener.
	ln net.Listener
}

// openStore opens PostgreSQL (DATABASE_URL) or SQLite in DATA_DIR, and
// applies the migrations.
func openStore(ctx context.Context, cfg config.Config) (*store.SQL, error) {
	if cfg.DatabaseURL != "" {
		return store.Postgres(ctx, cfg.DatabaseURL)
	}
	return store.SQLite(ctx, cfg.DataDir)
}

// cleanupEvery is how often expired sessions and old read notifications
// are deleted.
const cleanupEvery = time.Minute

// cleanInBackground deletes expired sessions and read notifications older
// than retention, now and every cleanupEvery, until the returned function
// is called (it waits for the loop to end).
func (a *App) cleanInBackground(retention time.Duration) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(cleanupEvery)
		defer t.Stop()
		for {
			sessions, notes, err := a.stores.Cleanup(ctx, time.Now(), retention)
			switch {
			case err != nil && ctx.Err() == nil:
				a.log.Warn("workspace: clean-up failed", "err", err)
			case sessions+notes > 0:
				a.log.Info("workspace: cleaned up", "sessions", sessions, "notifications", notes)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

// New builds the application. Its data lives in SQLite under cfg.DataDir,
// or in PostgreSQL with cfg.DatabaseURL, so that several processes behind
// a load balancer share it; with cfg.RedisURL the Socket.IO adapter, the
// delivery log and the rate-limit budgets go through Redis.
func New(cfg config.Config, o Options) (*App, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	a := &App{cfg: cfg, log: log, ln: o.Listener}

	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	db, err := openStore(sctx, cfg)
	cancel()
	if err != nil {
		return nil, err
	}
	a.stores = db.Stores()
	a.stopCleanup = a.cleanInBackground(cfg.NotificationRetention)
	ident := &identity.Service{
		Users: a.stores.Users, Sessions: a.stores.Sessions, TTL: cfg.SessionTTL, Cost: o.BcryptCost,
	}
	if err := seedAdmins(ident, cfg, log); err != nil {
		a.closeStores()
		return nil, err
	}

	// Sign-in budgets: in Redis when there is one, so that every process
	// counts the same attempts.
	var budgets ratelimit.Store = ratelimit.NewMemoryStore()
	if cfg.RedisURL != "" {
		lo, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			a.closeStores()
			return nil, err
		}
		// Honour the store's timeout against a Redis that hangs.
		lo.ContextTimeoutEnabled = true
		a.limitClient = redis.NewClient(lo)
		budgets = ratelimit.NewRedisStore(a.limitClient, ratelimit.RedisOptions{Prefix: "workspace:limit:"})
	}
	rest := &api.API{
		Identity: ident, Stores: a.stores, Origins: cfg.CORSOrigins,
		Web: o.Web, ClientScript: api.ClientScript{Path: cfg.ClientScript}, Log: log,
		Throttle: &api.Throttle{Store: budgets, PerAddress: cfg.Limits.AuthPerAddress, PerAccount: cfg.Limits.SignInPerAccount},
		Quotas:   cfg.Limits,
	}
	a.tel, err = newTelemetry(cfg)
	if err != nil {
		a.closeStores()
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	mux := http.NewServeMux()
	if a.tel.metrics != nil {
		mux.Handle("GET /metrics", a.tel.metrics)
	}
	if cfg.SocketIO {
		ro := realtime.Options{
			Path: cfg.SocketIOPath, Origins: cfg.CORSOrigins, RateLimit: cfg.SocketRateLimit,
			Authenticator: ident.Authenticator(), Documents: a.stores.Documents,
			Notifications: a.stores.Notifications, Logger: log,
			Connections: ratelimit.ConnConfig{
				NewPerAddress: cfg.Limits.SocketConnectRate,
				PerAddress:    cfg.Limits.ConnectionsPerAddress,
				PerUser:       cfg.Limits.SocketsPerUser,
				Store:         budgets,
				Logger:        log,
			},
		}
		if a.tel.observer != nil {
			ro.Observer = a.tel.observer
		}
		admin, err := newAdmin(cfg.AdminUI, cfg.SocketIOPath)
		if err != nil {
			a.closeStores()
			return nil, err
		}
		ro.Admin = admin
		if cfg.RedisURL != "" {
			ad, err := adapter.FromURL(cfg.RedisURL, adapter.Options{Prefix: "workspace", Logger: log})
			if err != nil {
				a.closeStores()
				return nil, err
			}
			ro.Adapter = ad
			// The delivery log makes recovery lossless across processes:
			// a client that reconnects to the other process gets what it
			// missed. It uses a client of its own, closed with the stores.
			lo, err := redis.ParseURL(cfg.RedisURL)
			if err != nil {
				a.closeStores()
				return nil, err
			}
			lo.ContextTimeoutEnabled = true // the log's Timeout bounds each command
			a.logClient = redis.NewClient(lo)
			ro.DeliveryLog = redislog.New(a.logClient, redislog.Options{Prefix: "workspace"})
		}
		a.rt = realtime.New(ro)
		rest.Realtime = a.rt
		mux.Handle(a.rt.Path(), a.rt.Handler())
		docs, err := a.docsHandler()
		if err != nil {
			_ = a.rt.Shutdown(context.Background())
			a.closeStores()
			return nil, err
		}
		mux.Handle(DocsPrefix+"/", docs)
		if admin != nil {
			mux.Handle(cfg.AdminUI.Path+"/", adminUIHandler(cfg.AdminUI))
			mux.Handle(cfg.AdminUI.Path, adminUIHandler(cfg.AdminUI))
		}
	}
	mux.Handle("/", rest.Handler())
	// Every phase of a request is bounded, so that slow or idle clients
	// cannot hold connections: headers, the whole request, the response
	// (longer than a long-polling wait), and the wait between keep-alive
	// requests. A websocket clears these deadlines when it takes the
	// connection over.
	a.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: min(5*time.Second, cfg.Timeouts.Read),
		ReadTimeout:       cfg.Timeouts.Read,
		WriteTimeout:      cfg.Timeouts.Write,
		IdleTimeout:       cfg.Timeouts.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return a, nil
}

// Handler returns the application's HTTP handler.
func (a *App) Handler() http.Handler { return a.http.Handler }

// Realtime returns the Socket.IO side, nil when disabled.
func (a *App) Realtime() *realtime.Server { return a.rt }

// Serve serves on ln until Shutdown; it returns http.ErrServerClosed then.
// Each client address may hold at most the configured number of
// connections open.
func (a *App) Serve(ln net.Listener) error {
	return a.http.Serve(limitPerAddress(ln, a.cfg.Limits.ConnectionsPerAddress, a.log))
}

// Shutdown stops the application gracefully: the Socket.IO server first
// (it refuses new connections, lets running handlers finish and
// disconnects sockets; websocket connections are invisible to the HTTP
// server), then the HTTP server (it stops accepting and finishes in-flight
// requests), then the stores. It returns ctx's error when something had
// to be cut short.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if a.rt != nil {
		if err := a.rt.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("socket.io: %w", err))
		}
	}
	if err := a.http.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http: %w", err))
	}
	if err := a.closeStores(); err != nil {
		errs = append(errs, fmt.Errorf("stores: %w", err))
	}
	return errors.Join(errs...)
}

func (a *App) closeStores() error {
	if a.stopCleanup != nil {
		a.stopCleanup()
	}
	var errs []error
	if a.tel != nil {
		// The spans of the shutdown itself are flushed here, last.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, a.tel.shutdown(ctx))
		cancel()
	}
	for _, c := range []*redis.Client{a.logClient, a.limitClient} {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	if a.stores.Close != nil {
		errs = append(errs, a.stores.Close())
	}
	return errors.Join(errs...)
}

// seedAdmins creates the admin accounts of ADMIN_EMAILS before anything is
// served. An address taken by an ordinary account stays ordinary: it is
// logged, and the application starts without that admin.
func seedAdmins(ident *identity.Service, cfg config.Config, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, email := range cfg.AdminEmails {
		err := ident.SeedAdmin(ctx, email, cfg.AdminPassword)
		switch {
		case errors.Is(err, identity.ErrAdminClaimed):
			log.Error("workspace: an ordinary account holds an address of ADMIN_EMAILS; it is not made admin", "email", email)
		case err != nil:
			return fmt.Errorf("creating the admin account %s: %w", email, err)
		}
	}
	return nil
}

// ShutdownTimeout bounds a graceful shutdown.
const ShutdownTimeout = 10 * time.Second

// Run listens on the configured port (or takes Options.Listener) and
// serves until ctx ends (a signal),
// then shuts down within ShutdownTimeout. It returns nil after a clean
// shutdown, an error when listening failed or the shutdown was cut short.
func (a *App) Run(ctx context.Context) error {
	ln, err := a.listen()
	if err != nil {
		_ = a.Shutdown(context.Background())
		return err
	}
	served := make(chan error, 1)
	go func() { served <- a.Serve(ln) }()
	attrs := []any{"addr", ln.Addr().String(), "socketio", a.cfg.SocketIO, "store", a.stores.Kind}
	if a.rt != nil {
		attrs = append(attrs, "path", strings.TrimSuffix(a.rt.Path(), "/"))
	}
	a.log.Info("workspace: listening", attrs...)

	select {
	case err := <-served:
		_ = a.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	a.log.Info("workspace: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err = a.Shutdown(sctx)
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	a.log.Info("workspace: stopped cleanly")
	return nil
}
