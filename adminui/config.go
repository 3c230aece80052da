package adminui

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Config configures an Admin. Its zero value is refused: it has no
// credentials, and authentication is turned off only by saying so.
type Config struct {
	// Namespace is the admin namespace the UI connects to ("/admin" when
	// empty).
	Namespace string
	// Username and PasswordHash are the credentials the UI must present.
	// PasswordHash is a bcrypt hash (golang.org/x/crypto/bcrypt, or the
	// "$2a$"/"$2b$"/"$2y$" hashes of other tools).
	Username     string
	PasswordHash string
	// NoAuth lets anyone who reaches the admin namespace use it. It must
	// not be combined with credentials. Use it only where the network
	// alone keeps strangers out.
	NoAuth bool
	// ReadOnly refuses the operations (join, leave, disconnect): the UI
	// only watches.
	ReadOnly bool
	// Production sends only statistics: no socket list and no per-socket
	// events (the upstream server's "production" mode).
	Production bool
	// ServerID names this server in the UI (hostname#pid when empty).
	// Servers of one deployment need distinct ids.
	ServerID string
	// Origins are browser origins ("https://admin.example") besides the
	// server's own that may connect to the admin namespace.
	Origins []string
	// MaxFailures failed logins per client address within FailureWindow
	// are allowed; further attempts are refused until the window ends
	// (defaults 5 and one minute).
	MaxFailures   int
	FailureWindow time.Duration
	// SessionTTL is how long a session id the UI was given stays valid
	// (12 hours when zero).
	SessionTTL time.Duration
}

// Defaults of Config.
const (
	defaultNamespace     = "/admin"
	defaultMaxFailures   = 5
	defaultFailureWindow = time.Minute
	defaultSessionTTL    = 12 * time.Hour
)

// ErrNoCredentials is New's error for a Config without credentials and
// without NoAuth.
var ErrNoCredentials = errors.New("adminui: no credentials: set Username and PasswordHash (or NoAuth, explicitly)")

// check completes c with its defaults and refuses what cannot work.
func (c Config) check() (Config, error) {
	if c.Namespace == "" {
		c.Namespace = defaultNamespace
	}
	if !strings.HasPrefix(c.Namespace, "/") {
		return c, fmt.Errorf("adminui: namespace %q must start with \"/\"", c.Namespace)
	}
	switch {
	case c.NoAuth && (c.Username != "" || c.PasswordHash != ""):
		return c, errors.New("adminui: NoAuth with credentials: choose one")
	case !c.NoAuth && (c.Username == "" || c.PasswordHash == ""):
		return c, ErrNoCredentials
	case !c.NoAuth:
		if _, err := bcrypt.Cost([]byte(c.PasswordHash)); err != nil {
			return c, fmt.Errorf("adminui: PasswordHash is not a bcrypt hash: %w", err)
		}
	}
	for _, o := range c.Origins {
		if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") || strings.HasSuffix(o, "/") {
			return c, fmt.Errorf("adminui: origin %q: want scheme://host[:port]", o)
		}
	}
	if c.MaxFailures <= 0 {
		c.MaxFailures = defaultMaxFailures
	}
	if c.FailureWindow <= 0 {
		c.FailureWindow = defaultFailureWindow
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = defaultSessionTTL
	}
	if c.ServerID == "" {
		host, _ := os.Hostname()
		c.ServerID = fmt.Sprintf("%s#%d", host, os.Getpid())
	}
	return c, nil
}
