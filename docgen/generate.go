package docgen

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/rtkit-go/rtkit"
)

// Options configures Generate. The zero value is valid.
type Options struct {
	// Info names the API in the AsyncAPI document and the Markdown index.
	Info Info
}

// Generate runs every generator and returns the files, keyed by
// slash-separated path relative to the output directory:
//
//	README.md, <namespace>.md   Markdown (see Markdown)
//	asyncapi.json               AsyncAPI 3.0 (see AsyncAPI)
//	schemas/<Type>.json         JSON Schemas (see JSONSchemas)
//	typescript/<namespace>.ts   TypeScript (see TypeScript)
//	spec.json                   the Spec itself, for Diff in a later run
//
// It fails on a spec whose schemas are not valid JSON, or with two
// namespaces that map to the same file name ("/a/b" and "/a-b").
func Generate(sp rtkit.Spec, opts Options) (map[string][]byte, error) {
	sp, err := canonical(sp)
	if err != nil {
		return nil, err
	}
	stems := map[string]string{}
	for _, ns := range sp.Namespaces {
		s := slug(ns.Name)
		if prev, ok := stems[s]; ok {
			return nil, fmt.Errorf("docgen: namespaces %q and %q have the same file name %q", prev, ns.Name, s)
		}
		if s == "README" {
			return nil, fmt.Errorf("docgen: namespace %q would overwrite the index page README.md", ns.Name)
		}
		stems[s] = ns.Name
	}
	out := map[string][]byte{}
	md, err := Markdown(sp, opts.Info)
	if err != nil {
		return nil, err
	}
	maps.Copy(out, md)
	if out["asyncapi.json"], err = AsyncAPI(sp, opts.Info); err != nil {
		return nil, err
	}
	schemas, err := JSONSchemas(sp)
	if err != nil {
		return nil, err
	}
	for name, b := range schemas {
		out["schemas/"+name] = b
	}
	ts, err := TypeScript(sp)
	if err != nil {
		return nil, err
	}
	for name, b := range ts {
		out["typescript/"+name] = b
	}
	spec, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("docgen: spec: %w", err)
	}
	out["spec.json"] = append(spec, '\n')
	return out, nil
}

// WriteFiles writes files (as Generate returns them) under dir, creating
// directories as needed. It leaves other files in dir alone.
func WriteFiles(dir string, files map[string][]byte) error {
	for _, name := range sortedKeys(files) {
		if !filepath.IsLocal(filepath.FromSlash(name)) || strings.Contains(name, "\\") {
			return fmt.Errorf("docgen: refusing to write %q outside %s", name, dir)
		}
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// canonical returns sp as a spec file holds it: annotations that were Go
// values in the server's process become what their JSON decodes to. The
// files generated from a running server and from its saved spec are then
// the same, byte for byte.
func canonical(sp rtkit.Spec) (rtkit.Spec, error) {
	b, err := json.Marshal(sp)
	if err != nil {
		return sp, fmt.Errorf("docgen: spec: %w", err)
	}
	var out rtkit.Spec
	if err := json.Unmarshal(b, &out); err != nil {
		return sp, fmt.Errorf("docgen: spec: %w", err)
	}
	return out, nil
}
