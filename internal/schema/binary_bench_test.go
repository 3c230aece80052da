package schema

import (
	"reflect"
	"testing"
)

type benchFile struct {
	Name string `json:"name" jsonschema:"maxLength=100"`
	Type string `json:"type"`
	Data binary `json:"data"`
}

func benchFileSchema(b *testing.B) *Type {
	return build(b, reflect.TypeFor[benchFile]())
}

// BenchmarkBinaryDecode64K: a client's payload with a 64 KiB attachment,
// as the parser hands it over, checked, validated and decoded (the bytes
// are not copied).
func BenchmarkBinaryDecode64K(b *testing.B) {
	ts := benchFileSchema(b)
	data := make([]byte, 64<<10)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		v := map[string]any{"name": "photo.png", "type": "image/png", "data": data}
		if _, e := decodePayload[benchFile](ts, v); e != nil {
			b.Fatal(e)
		}
	}
}

// BenchmarkBinaryEncode64K: an emit with a 64 KiB Binary, encoded and
// validated once (its JSON form, base64) and turned into the packet's
// value with the attachment — once per emit, whatever the recipients.
func BenchmarkBinaryEncode64K(b *testing.B) {
	ts := benchFileSchema(b)
	in := benchFile{Name: "photo.png", Type: "image/png", Data: make(binary, 64<<10)}
	b.ReportAllocs()
	b.SetBytes(int64(len(in.Data)))
	for b.Loop() {
		raw, err := ts.Encode(in, true)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ts.Attach(raw); err != nil {
			b.Fatal(err)
		}
	}
}
