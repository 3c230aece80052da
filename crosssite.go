package rtkit

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The HTTP-level protections of the Socket.IO endpoint, applied by
// Server.Handler to every request before the engine sees it, whatever the
// engine underneath.
//
// A browser lets any page send some requests to any server with the
// victim's cookies and without asking the server first: a <script> or
// <img> GET, a form POST (text/plain, form-encoded, multipart), a no-cors
// fetch. CORS only stops the page from reading the answer, and a websocket
// is not covered by CORS at all. Cookies marked SameSite do not help
// against pages of the same site (another port of the host, a sibling
// subdomain). So the endpoint refuses, before any session exists:
//
//   - JSONP polling (a "j" query parameter): its answers are scripts that
//     any page may load and read, which hands a foreign page a session id
//     opened with the victim's cookies, and the packets sent to it;
//   - any request a browser marks as coming from another origin
//     (Sec-Fetch-Site same-site or cross-site), unless its Origin is one
//     of WithCORS's;
//   - without Sec-Fetch-Site (older browsers), any request whose Origin is
//     neither the server's own host nor one of WithCORS's, and Origin
//     "null" (sandboxed frames, file: pages).
//
// Clients that are not browsers send neither header and are unaffected.

// refuseCrossSite answers r and reports true when r must not reach the
// engine.
func (s *Server) refuseCrossSite(w http.ResponseWriter, r *http.Request) bool {
	if hasJSONP(r.URL.RawQuery) {
		refuseHTTP(w, http.StatusBadRequest, 3, "JSONP polling is not supported")
		return true
	}
	if !s.sameSiteAllowed(r) {
		refuseHTTP(w, http.StatusForbidden, 4, "cross-site request refused")
		return true
	}
	return false
}

// hasJSONP reports whether the raw query has a "j" parameter, however it is
// spelt (escaped, empty, after a semicolon): Engine.IO servers switch to
// JSONP on its mere presence.
func hasJSONP(raw string) bool {
	for part := range strings.FieldsFuncSeq(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		key, _, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if strings.TrimSpace(key) == "j" {
			return true
		}
	}
	return false
}

// sameSiteAllowed reports whether r comes from the server's own origin, an
// origin WithCORS lists, or a client that is not a browser.
func (s *Server) sameSiteAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin != "" && slices.Contains(s.cfg.origins, origin) {
		return true
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none": // the browser vouches for it ("none": typed by the user)
		return true
	case "": // not a browser, or one that predates Fetch Metadata
	default: // same-site, cross-site, or a value from the future
		return false
	}
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// refuseHTTP answers with the error body Engine.IO servers use.
func refuseHTTP(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"code":` + strconv.Itoa(code) + `,"message":"` + message + `"}`))
}
