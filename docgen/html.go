package docgen

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"

	"github.com/rtkit-go/rtkit"
)

// pageFiles holds the page's template and stylesheet.
//
//go:embed page
var pageFiles embed.FS

var pageTemplate = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"slug":     slug,
	"typeName": typeName,
	"pretty":   prettyJSON,
	"meaning":  func(c rtkit.Code) string { return codeMeanings[c] },
	"incoming": func(ev rtkit.EventSpec) bool { return ev.Direction == rtkit.ClientToServer },
	"auth": func(ns rtkit.NamespaceSpec) *authAnnotation {
		if a, ok := authOf(ns.Annotations); ok && a.Required {
			return &a
		}
		return nil
	},
}).ParseFS(pageFiles, "page/page.html"))

// pageData is what the page template reads.
type pageData struct {
	Info  Info
	Spec  rtkit.Spec
	Files []string
}

// HTML returns a human-readable page of the whole contract, for people
// reading it in a browser: namespaces, events with their payload and
// acknowledgement schemas, error codes, rooms and how to authenticate,
// with links to files (relative, as Generate names them). The page holds
// no script; it links one stylesheet, "style.css" (see Stylesheet).
// Everything taken from the spec is HTML-escaped.
func HTML(sp rtkit.Spec, info Info, files []string) ([]byte, error) {
	var b bytes.Buffer
	files = slices.Clone(files)
	slices.Sort(files)
	if err := pageTemplate.Execute(&b, pageData{Info: info.withDefaults(), Spec: sp, Files: files}); err != nil {
		return nil, fmt.Errorf("docgen: html: %w", err)
	}
	return b.Bytes(), nil
}

// Stylesheet returns the stylesheet the HTML page links as "style.css".
func Stylesheet() []byte {
	b, err := pageFiles.ReadFile("page/style.css")
	if err != nil {
		panic("docgen: embedded stylesheet missing: " + err.Error())
	}
	return b
}

// prettyJSON indents a schema for display; invalid JSON is shown as is.
func prettyJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}
