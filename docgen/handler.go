package docgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Handler returns an http.Handler that serves the documentation of sp, as
// a running server's [rtkit.Server.Spec] gives it: every file [Generate]
// writes (spec.json, asyncapi.json, schemas/, typescript/, the Markdown
// pages) under its own name, and a human-readable page ([HTML]) at the
// root, "/" or "/index.html", with its stylesheet "/style.css". Mount it
// under a prefix with http.StripPrefix:
//
//	docs, err := docgen.Handler(srv.Spec(), docgen.Options{Info: docgen.Info{Title: "Chat API"}})
//	…
//	mux.Handle("/docs/", http.StripPrefix("/docs", docs))
//
// The command github.com/rtkit-go/rtkit/cmd/rtkit reads spec.json from it
// (rtkit spec http://HOST/docs/).
//
// Every file is generated once, here; a request only looks a name up in a
// table, so nothing it sends reaches the file system or the generators.
// Answers carry their exact content type with charset, nosniff, a content
// security policy that allows no script, no frame and no form (the page
// has none), no-referrer, and a strong ETag (sp changes only with a
// deployment). Methods other than GET and HEAD get 405; unknown names 404.
// The contract is what clients already see; mount the handler behind your
// authentication if even that is not public.
//
// The handler is safe for concurrent use.
func Handler(sp rtkit.Spec, opts Options) (http.Handler, error) {
	files, err := Generate(sp, opts)
	if err != nil {
		return nil, err
	}
	page, err := HTML(sp, opts.Info, slices.Collect(maps.Keys(files)))
	if err != nil {
		return nil, err
	}
	files["index.html"] = page
	files["style.css"] = Stylesheet()
	h := &docsHandler{files: map[string]docFile{}}
	for name, b := range files {
		sum := sha256.Sum256(b)
		h.files[name] = docFile{body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, ctype: contentType(name)}
	}
	return h, nil
}

// docsHandler serves generated files from memory.
type docsHandler struct {
	files map[string]docFile
}

// docFile is one generated file, ready to serve.
type docFile struct {
	body  []byte
	etag  string
	ctype string
}

// contentType is the exact type of a generated file: nothing is left to
// sniffing.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json; charset=utf-8"
	case ".md":
		return "text/markdown; charset=utf-8"
	default: // .ts: shown as text, never run
		return "text/plain; charset=utf-8"
	}
}

// pagePolicy allows the page its own stylesheet and nothing else.
const pagePolicy = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (h *docsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", pagePolicy)
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" {
		name = "index.html"
	}
	f, ok := h.files[name]
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	hd.Set("Content-Type", f.ctype)
	hd.Set("ETag", f.etag)
	hd.Set("Cache-Control", "no-cache")
	// ServeContent answers conditional (ETag) and range requests; with a
	// zero time it sends no Last-Modified.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
