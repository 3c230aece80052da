package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// AdminUI configures the Socket.IO Admin UI (package adminui): off unless
// ADMIN_UI_PASSWORD_HASH or ADMIN_UI_PASSWORD is set.
type AdminUI struct {
	// Enabled is true when credentials were given.
	Enabled bool
	// Username is the login (ADMIN_UI_USERNAME, "admin").
	Username string
	// PasswordHash is the bcrypt hash of the password
	// (ADMIN_UI_PASSWORD_HASH), or the hash Load made of
	// ADMIN_UI_PASSWORD; one of the two, not both.
	PasswordHash string
	// Path is where the UI's page is served (ADMIN_UI_PATH, "/admin-ui").
	Path string
	// Dir is the UI's static files, the npm package's ui/dist
	// (ADMIN_UI_DIR); empty means the default locations.
	Dir string
	// ReadOnly refuses the UI's operations (ADMIN_UI_READONLY, false).
	ReadOnly bool
	// Production sends statistics only, no sockets and no events
	// (ADMIN_UI_MODE: development or production; "development").
	Production bool
	// ServerID names this process in the UI (ADMIN_UI_SERVER_ID;
	// hostname#pid when empty).
	ServerID string
}

// adminUICost is the bcrypt cost of a hash made from ADMIN_UI_PASSWORD.
const adminUICost = bcrypt.DefaultCost

// loadAdminUI reads the ADMIN_UI_* variables; an invalid one is an error
// that names it (a password or hash is never shown).
func loadAdminUI(getenv func(string) string, socketIO bool) (AdminUI, error) {
	a := AdminUI{Username: "admin", Path: "/admin-ui"}
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var errs []error
	hash, password := get("ADMIN_UI_PASSWORD_HASH"), getenv("ADMIN_UI_PASSWORD")
	switch {
	case hash != "" && password != "":
		errs = append(errs, errors.New("ADMIN_UI_PASSWORD_HASH and ADMIN_UI_PASSWORD: set one, not both"))
	case hash != "":
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			errs = append(errs, errors.New(`ADMIN_UI_PASSWORD_HASH="…": want a bcrypt hash ($2a$…, $2b$…)`))
		}
		a.PasswordHash, a.Enabled = hash, true
	case password != "":
		if n := utf8.RuneCountInString(password); n < 12 || n > 72 {
			// bcrypt reads at most 72 bytes.
			errs = append(errs, errors.New(`ADMIN_UI_PASSWORD="…": want 12 to 72 characters`))
			break
		}
		h, err := bcrypt.GenerateFromPassword([]byte(password), adminUICost)
		if err != nil {
			errs = append(errs, fmt.Errorf(`ADMIN_UI_PASSWORD="…": %w`, err))
			break
		}
		a.PasswordHash, a.Enabled = string(h), true
	}
	if v := get("ADMIN_UI_USERNAME"); v != "" {
		if len(v) > 64 {
			errs = append(errs, errors.New("ADMIN_UI_USERNAME: want at most 64 bytes"))
		}
		a.Username = v
	}
	if v := get("ADMIN_UI_PATH"); v != "" {
		p, err := parsePath(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("ADMIN_UI_PATH=%q: %w", v, err))
		}
		a.Path = p
	}
	a.Dir = get("ADMIN_UI_DIR")
	if v := get("ADMIN_UI_READONLY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("ADMIN_UI_READONLY=%q: want true or false", v))
		}
		a.ReadOnly = b
	}
	switch v := get("ADMIN_UI_MODE"); v {
	case "", "development":
	case "production":
		a.Production = true
	default:
		errs = append(errs, fmt.Errorf("ADMIN_UI_MODE=%q: want development or production", v))
	}
	a.ServerID = get("ADMIN_UI_SERVER_ID")
	if a.Enabled && !socketIO {
		errs = append(errs, errors.New("ADMIN_UI_PASSWORD_HASH/ADMIN_UI_PASSWORD: the Admin UI needs Socket.IO (SOCKET_IO_ENABLED)"))
	}
	return a, errors.Join(errs...)
}
