package api

import (
	"bytes"
	"io/fs"
	"net/http"
	"strings"
)

// servePage serves the demo page (index.html) with the Socket.IO client's
// script tag for this moment: the local copy when `npm ci` installed it
// (looked up per request, so that installing needs no restart), otherwise
// the official CDN's, pinned by version and Subresource Integrity. The
// page has no inline script; a Content-Security-Policy that an outer
// handler set gets the CDN's origin added to script-src on the pages that
// use it, and only there.
func (a *API) servePage(w http.ResponseWriter, r *http.Request) {
	page, err := fs.ReadFile(a.Web, "index.html")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	if a.ClientScript.Find() == "" {
		page = bytes.Replace(page, []byte(localTag), []byte(cdnTag), 1)
		if csp := h.Get("Content-Security-Policy"); csp != "" {
			h.Set("Content-Security-Policy", withScriptSource(csp, cdnOrigin))
		}
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	if r.Method != http.MethodHead {
		_, _ = w.Write(page)
	}
}

// withScriptSource adds src to the script-src directive of a policy (to
// default-src's sources when there is no script-src, since that is what
// scripts fall back to).
func withScriptSource(policy, src string) string {
	dirs := strings.Split(policy, ";")
	for i, d := range dirs {
		if name, _, _ := strings.Cut(strings.TrimSpace(d), " "); name == "script-src" {
			dirs[i] = strings.TrimRight(d, " ") + " " + src
			return strings.Join(dirs, ";")
		}
	}
	for _, d := range dirs {
		if name, rest, _ := strings.Cut(strings.TrimSpace(d), " "); name == "default-src" {
			return policy + "; script-src " + strings.TrimSpace(rest) + " " + src
		}
	}
	return policy // no restriction on scripts: nothing to add
}
