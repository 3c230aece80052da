package app

import (
	"bytes"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// The UI's page links two stylesheets of other sites: Roboto from Google
// Fonts and the Material Design Icons from jsDelivr (its "@latest"
// version). The Content-Security-Policy refuses both, so the application
// serves them itself, from npm packages installed next to the UI
// (@fontsource/roboto and @mdi/font, pinned in adminui/package.json), and
// rewrites the two links of the page to them: the policy stays
// "font-src 'self'", the browser tells no other site that someone opened
// the admin page, and no unpinned stylesheet reaches it. Without the
// packages the page is served as it is, and shows no icons.

// uiFont is one stylesheet the page links from another site, and the
// npm package that replaces it.
type uiFont struct {
	// link is the page's <link> element, as the UI's build writes it.
	link string
	// pkg is the package's folder under node_modules, and files the
	// stylesheets of it the page links instead.
	pkg   string
	files []string
	// allowed reports whether a file of the package may be served: its
	// stylesheets and their fonts, nothing else.
	allowed func(name string) bool
}

// uiFontsPath is where the packages are served, under the UI's path.
const uiFontsPath = "vendor/"

var uiFonts = []uiFont{
	{
		link: `<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto:100,300,400,500,700,900">`,
		pkg:  "@fontsource/roboto",
		// Every script (Latin, Cyrillic, Greek, …) of each weight the
		// page asked for; the browser fetches only the ones it needs.
		files: []string{"100.css", "300.css", "400.css", "500.css", "700.css", "900.css"},
		allowed: func(name string) bool {
			dir, file := path.Split(name)
			return dir == "" && strings.HasSuffix(file, ".css") ||
				dir == "files/" && (strings.HasSuffix(file, ".woff2") || strings.HasSuffix(file, ".woff"))
		},
	},
	{
		link:  `<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@mdi/font@latest/css/materialdesignicons.min.css">`,
		pkg:   "@mdi/font",
		files: []string{"css/materialdesignicons.min.css"},
		allowed: func(name string) bool {
			dir, file := path.Split(name)
			return name == "css/materialdesignicons.min.css" ||
				dir == "fonts/" && (file == "materialdesignicons-webfont.woff2" || file == "materialdesignicons-webfont.woff")
		},
	},
}

// uiNodeModules is the node_modules folder the UI's files were installed
// in ("" when dir is not inside one).
func uiNodeModules(dir string) string {
	nm := filepath.Clean(filepath.Join(dir, "..", "..", "..", ".."))
	if filepath.Base(nm) != "node_modules" {
		return ""
	}
	return nm
}

// fontPackage returns the folder of the installed package pkg, "" when it
// is not installed.
func fontPackage(dir, pkg string) string {
	nm := uiNodeModules(dir)
	if nm == "" {
		return ""
	}
	p := filepath.Join(nm, filepath.FromSlash(pkg))
	if st, err := os.Stat(filepath.Join(p, "package.json")); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	return p
}

// serveUIFont serves name (the path under vendor/) from the font
// packages, reporting false when name is not one of theirs.
func serveUIFont(w http.ResponseWriter, r *http.Request, dir, name string) bool {
	rest, ok := strings.CutPrefix(name, uiFontsPath)
	if !ok {
		return false
	}
	for _, f := range uiFonts {
		file, ok := strings.CutPrefix(rest, f.pkg+"/")
		if !ok {
			continue
		}
		root := fontPackage(dir, f.pkg)
		if root == "" || !f.allowed(file) || strings.Contains(file, "..") {
			http.NotFound(w, r)
			return true
		}
		switch path.Ext(file) {
		case ".woff2":
			w.Header().Set("Content-Type", "font/woff2")
		case ".woff":
			w.Header().Set("Content-Type", "font/woff")
		}
		http.ServeFileFS(w, r, os.DirFS(root), file)
		return true
	}
	http.NotFound(w, r)
	return true
}

// serveUIPage serves the UI's index.html with its links to other sites
// replaced by the installed packages' stylesheets.
func serveUIPage(w http.ResponseWriter, r *http.Request, dir string) {
	index := filepath.Join(dir, "index.html")
	page, err := os.ReadFile(index)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	for _, f := range uiFonts {
		if fontPackage(dir, f.pkg) == "" {
			continue
		}
		var links strings.Builder
		for _, file := range f.files {
			links.WriteString(`<link rel="stylesheet" href="` + uiFontsPath + f.pkg + "/" + file + `">`)
		}
		page = bytes.Replace(page, []byte(f.link), []byte(links.String()), 1)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// No modification time: the page changes when the packages are
	// installed, not only when index.html does.
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(page))
}
