// Package specsrc reads an rtkit contract (the JSON of rtkit.Server.Spec)
// from a file, standard input, or a running server's live docs endpoint
// (docgen.Handler), for the command-line tools.
package specsrc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rtkit-go/rtkit"
)

// maxSpec bounds what is read: a contract is kilobytes, not gigabytes.
const maxSpec = 16 << 20

// Load reads the spec named by source: "-" for stdin, an http or https URL
// (see URL), or a file name. Unknown fields are refused: they mean a spec
// of another tool, or a newer rtkit.
func Load(ctx context.Context, source string, stdin io.Reader) (rtkit.Spec, error) {
	var b []byte
	var err error
	name := source
	switch {
	case source == "-":
		b, err = io.ReadAll(io.LimitReader(stdin, maxSpec+1))
		name = "standard input"
	case strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://"):
		name, err = URL(source)
		if err == nil {
			b, err = fetch(ctx, name)
		}
	default:
		var f *os.File
		if f, err = os.Open(source); err == nil {
			b, err = io.ReadAll(io.LimitReader(f, maxSpec+1))
			_ = f.Close()
		}
	}
	if err != nil {
		return rtkit.Spec{}, err
	}
	if len(b) > maxSpec {
		return rtkit.Spec{}, fmt.Errorf("%s: larger than %d MiB", name, maxSpec>>20)
	}
	return Parse(name, b)
}

// Parse decodes a spec read from name.
func Parse(name string, b []byte) (rtkit.Spec, error) {
	var sp rtkit.Spec
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&sp); err != nil {
		return rtkit.Spec{}, fmt.Errorf("%s: not an rtkit spec: %w", name, err)
	}
	if sp.Path == "" || sp.Namespaces == nil {
		return rtkit.Spec{}, fmt.Errorf("%s: not an rtkit spec: no path or namespaces", name)
	}
	return sp, nil
}

// URL returns where a server's spec lives: a URL ending in ".json" as is;
// otherwise spec.json under the docs endpoint it names
// ("http://host/docs" → "http://host/docs/spec.json"), and under /docs
// for a bare server URL ("http://host" → "http://host/docs/spec.json").
func URL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q: want an http or https URL", raw)
	}
	switch p := strings.TrimSuffix(u.Path, "/"); {
	case strings.HasSuffix(p, ".json"):
	case p == "":
		u.Path = "/docs/spec.json"
	default:
		u.Path = p + "/spec.json"
	}
	return u.String(), nil
}

var httpClient = &http.Client{Timeout: 15 * time.Second}

func fetch(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, res.Status)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return nil, errors.New(u + ": not JSON (Content-Type " + ct + ")")
	}
	return io.ReadAll(io.LimitReader(res.Body, maxSpec+1))
}
