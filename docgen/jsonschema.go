package docgen

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/rtkit-go/rtkit"
)

// JSONSchemas returns one JSON Schema document per payload and
// acknowledgement type of the spec, keyed by file name
// ("SendMessage.json"). Each document is the schema the server validates
// with, self-contained (its own $defs), indented. Two different types that
// share a name get numbered file names ("Author_2.json"), in spec order.
func JSONSchemas(sp rtkit.Spec) (map[string][]byte, error) {
	out := map[string][]byte{}
	seen := map[string]string{} // file → canonical content
	add := func(goType string, raw json.RawMessage) error {
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			return fmt.Errorf("docgen: schema of %s: %w", goType, err)
		}
		buf.WriteByte('\n')
		canon := compactJSON(raw)
		base := ident(typeName(goType))
		name := base
		for i := 2; ; i++ {
			prev, taken := seen[name]
			if !taken || prev == canon {
				break
			}
			name = fmt.Sprintf("%s_%d", base, i)
		}
		seen[name] = canon
		out[name+".json"] = buf.Bytes()
		return nil
	}
	for _, ns := range sp.Namespaces {
		for _, ev := range ns.Events {
			if err := add(ev.PayloadType, ev.Payload); err != nil {
				return nil, err
			}
			if ev.Ack != nil {
				if err := add(ev.AckType, ev.Ack); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}
