package api

import (
	"net/http"
	"os"
	"path/filepath"
)

// clientScriptInApp is where `npm ci --prefix examples/workspace/js` puts
// the official client, relative to examples/workspace; clientScriptRel is
// the same relative to the repository root.
const (
	clientScriptInApp = "js/node_modules/socket.io-client/dist/socket.io.min.js"
	clientScriptRel   = "examples/workspace/" + clientScriptInApp
)

// The official CDN's copy of the client, pinned to the version
// js/package-lock.json installs. cdnIntegrity is the Subresource Integrity
// hash of socket.io-client's dist/socket.io.min.js from npm: the CDN
// serves that file byte for byte (its documented hash of 4.8.3 is the
// hash of npm's 4.8.3 file), and a test compares it with the installed
// file.
const (
	ClientVersion = "4.8.4"
	cdnOrigin     = "https://cdn.socket.io"
	cdnURL        = cdnOrigin + "/" + ClientVersion + "/socket.io.min.js"
	cdnIntegrity  = "sha384-fBrXvbDtHoeKWJ/hcA6M+YGueiDW+h45I7V6F2kD1S8bOkrF9rZYPLVkCR6BLR/1"
)

// The script tags of the page: the local copy, or the CDN's with its hash
// (crossorigin is what lets the browser check it).
const (
	localTag = `<script src="/vendor/socket.io.min.js"></script>`
	cdnTag   = `<script src="` + cdnURL + `" integrity="` + cdnIntegrity + `" crossorigin="anonymous"></script>`
)

// MissingClientMessage is what the page shows when the script is missing.
const MissingClientMessage = "Run: npm ci --prefix examples/workspace/js"

// missingClientJS is the body served instead of the script when it is
// missing: it sets window.RTKIT_SOCKET_IO_MISSING for the page to show.
const missingClientJS = `/* socket.io-client is not installed. */
window.RTKIT_SOCKET_IO_MISSING = "` + MissingClientMessage + `";
console.error(window.RTKIT_SOCKET_IO_MISSING);
`

// ClientScript finds socket.io.min.js: at Path when set
// (SOCKET_IO_CLIENT_JS), else relative to the working directory (the
// repository root, or examples/workspace), else relative to the
// executable's directory. It looks at every request, so that installing
// the client needs no restart.
type ClientScript struct {
	Path string
}

// candidates lists where the script may be, in order.
func (c ClientScript) candidates() []string {
	if c.Path != "" {
		return []string{c.Path}
	}
	out := []string{filepath.FromSlash(clientScriptRel), filepath.FromSlash(clientScriptInApp)}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		out = append(out, filepath.Join(dir, clientScriptRel), filepath.Join(dir, clientScriptInApp))
	}
	return out
}

// Find returns the script's path, or "" when it is nowhere.
func (c ClientScript) Find() string {
	for _, p := range c.candidates() {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

func (c ClientScript) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	if p := c.Find(); p != "" {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, p)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(missingClientJS))
}
