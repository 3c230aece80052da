package api

import (
	"mime"
	"net/http"
)

// contentSecurityPolicy lets the page load its own scripts, styles and
// connections only: no inline script, no other origin, and no framing
// (frame-ancestors), so that no other page can show it under a decoy and
// have its buttons clicked.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers that keep browsers from framing the
// page, sniffing content types, leaking URLs in Referer and letting other
// origins embed the API's responses.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY") // for browsers without frame-ancestors
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests (POST, PATCH, DELETE) that a
// browser sends from another origin — another site, or the same site on
// another port or subdomain — unless the origin is in Origins (CORS). It
// uses the browser's Sec-Fetch-Site and Origin headers
// (net/http.CrossOriginProtection); requests without them (curl, servers)
// are not from a browser and cannot carry a victim's cookie.
func (a *API) crossOrigin(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	for _, o := range a.Origins {
		// Origins were checked at configuration; a bad one cannot get here.
		_ = p.AddTrustedOrigin(o)
	}
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, a.Log, errorf(http.StatusForbidden, "FORBIDDEN", "cross-origin request refused"))
	}))
	return p.Handler(next)
}

// isJSON reports whether the request's Content-Type is application/json.
// A JSON endpoint refuses anything else: HTML forms can only send
// application/x-www-form-urlencoded, multipart/form-data and text/plain,
// and a cross-origin fetch with application/json needs a CORS preflight
// that only Origins pass.
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}
