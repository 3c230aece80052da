package app

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/rtkit-go/rtkit/adminui"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
)

// The Socket.IO Admin UI: package adminui's namespace on the Socket.IO
// server, and the UI's own static files (the npm package
// @socket.io/admin-ui's ui/dist, which `npm ci --prefix
// examples/workspace/adminui` installs) at cfg.AdminUI.Path. Both exist
// only when ADMIN_UI_PASSWORD_HASH or ADMIN_UI_PASSWORD is set.

// adminUIDist is where npm puts the UI's files, relative to
// examples/workspace; adminUIDistRel the same from the repository root.
const (
	adminUIDist    = "adminui/node_modules/@socket.io/admin-ui/ui/dist"
	adminUIDistRel = "examples/workspace/" + adminUIDist
)

// AdminUIMissing is the body of the UI's path when its files are not
// installed.
const AdminUIMissing = "The Admin UI is not installed. Run: npm ci --prefix examples/workspace/adminui\n"

// adminUIPolicy is the Content-Security-Policy of the UI's files (and of
// no other path): its own scripts, styles, images and fonts, and a
// connection to this origin (the admin namespace). Its inline styles are
// allowed: Vuetify writes its theme into a <style> element at run time.
// Nothing else: the fonts and icons the page links from Google Fonts and
// jsDelivr are served from here instead (adminui_fonts.go), and no page
// may frame it.
const adminUIPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// newAdmin returns the Admin of cfg, nil when the UI is off. The UI's
// path must not be one the application serves already.
func newAdmin(cfg config.AdminUI, socketPath string) (*adminui.Admin, error) {
	if !cfg.Enabled {
		return nil, nil
	}
	for _, taken := range []string{socketPath, DocsPrefix} {
		if cfg.Path == strings.TrimSuffix(taken, "/") || strings.HasPrefix(taken, cfg.Path+"/") || strings.HasPrefix(cfg.Path, taken+"/") {
			return nil, fmt.Errorf("ADMIN_UI_PATH=%q collides with %s", cfg.Path, taken)
		}
	}
	return adminui.New(adminui.Config{
		Username: cfg.Username, PasswordHash: cfg.PasswordHash,
		ReadOnly: cfg.ReadOnly, Production: cfg.Production, ServerID: cfg.ServerID,
	})
}

// adminUIDir finds the UI's files: cfg.Dir when set, else relative to the
// working directory (the repository root, or examples/workspace), else
// relative to the executable. "" when they are nowhere.
func adminUIDir(cfg config.AdminUI) string {
	candidates := []string{cfg.Dir}
	if cfg.Dir == "" {
		candidates = []string{filepath.FromSlash(adminUIDistRel), filepath.FromSlash(adminUIDist)}
		if exe, err := os.Executable(); err == nil {
			dir := filepath.Dir(exe)
			candidates = append(candidates, filepath.Join(dir, adminUIDistRel), filepath.Join(dir, adminUIDist))
		}
	}
	for _, c := range candidates {
		if st, err := os.Stat(filepath.Join(c, "index.html")); err == nil && st.Mode().IsRegular() {
			return c
		}
	}
	return ""
}

// adminUIHandler serves the UI's files under cfg.Path + "/" (GET and HEAD
// only), looked up per request so that installing them needs no restart.
func adminUIHandler(cfg config.AdminUI) http.Handler {
	prefix := cfg.Path + "/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", adminUIPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == cfg.Path {
			http.Redirect(w, r, prefix, http.StatusMovedPermanently)
			return
		}
		dir := adminUIDir(cfg)
		if dir == "" {
			h.Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(AdminUIMissing))
			return
		}
		name := strings.TrimPrefix(r.URL.Path, prefix)
		if strings.HasSuffix(name, ".map") || strings.HasSuffix(name, "/") {
			// No source maps (they are for the UI's developers) and no
			// directory listings.
			http.NotFound(w, r)
			return
		}
		if name == "" {
			serveUIPage(w, r, dir) // its fonts from here (adminui_fonts.go)
			return
		}
		if serveUIFont(w, r, dir, name) {
			return
		}
		http.StripPrefix(prefix, http.FileServerFS(os.DirFS(dir))).ServeHTTP(w, r)
	})
}
