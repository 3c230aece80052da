package docgen_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
)

// The "/files" contract: binary values in both directions, for the
// binary checks of the generated docs.
type (
	FileUpload struct {
		Name  string        `json:"name" jsonschema:"minLength=1,maxLength=100"`
		Data  rtkit.Binary  `json:"data"`
		Thumb *rtkit.Binary `json:"thumb"`
	}
	FileStored struct {
		Name   string         `json:"name"`
		Size   int            `json:"size"`
		Chunks []rtkit.Binary `json:"chunks"`
	}
	FileRequest struct {
		Name string `json:"name"`
	}
	FileBody struct {
		Data rtkit.Binary `json:"data"`
	}
)

var (
	fileUpload  = rtkit.NewEvent[FileUpload, FileStored]("file:upload", rtkit.MaxBinarySize(4096))
	fileShared  = rtkit.NewEvent[FileUpload, rtkit.NoAck]("file:shared")
	fileRequest = rtkit.NewEvent[FileRequest, FileBody]("file:request")
)

func filesNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/files", rtkit.NamespaceDescription("Files as binary attachments"))
	rtkit.Handle(ns, fileUpload, func(_ context.Context, _ *rtkit.Socket, in FileUpload) (FileStored, error) {
		return FileStored{Name: in.Name, Size: len(in.Data), Chunks: []rtkit.Binary{in.Data}}, nil
	})
	rtkit.Emits(ns, fileShared)
	rtkit.Emits(ns, fileRequest)
	return ns
}

// TestBinaryInGeneratedDocs: Binary values are marked in the schemas, typed
// as what socket.io-client delivers in TypeScript, labelled in Markdown, and
// the event's limit is in the spec and the AsyncAPI message.
func TestBinaryInGeneratedDocs(t *testing.T) {
	t.Parallel()
	sp := specOf(filesNamespace())
	files, err := docgen.Generate(sp, docgen.Options{})
	require.NoError(t, err)

	ts := string(files["typescript/files.ts"])
	assert.Contains(t, ts, "  data: ArrayBuffer | Uint8Array;\n")
	assert.Contains(t, ts, "  thumb: ArrayBuffer | Uint8Array | null;\n")
	assert.Contains(t, ts, "  chunks: (ArrayBuffer | Uint8Array)[];\n")

	md := string(files["files.md"])
	assert.Contains(t, md, "| `data` | binary | yes | a Socket.IO binary attachment (base64 in JSON) |")
	assert.Contains(t, md, "| `thumb` | binary \\| null | yes |")
	assert.Contains(t, md, "At most 4096 bytes of attachments in one payload.")

	ev := sp.Namespaces[0].Events[0]
	require.Equal(t, "file:upload", ev.Name)
	assert.Equal(t, 4096, ev.MaxBinarySize)
	assert.Contains(t, string(ev.Payload), `"data":{"type":"string","format":"binary","contentMediaType":"application/octet-stream","x-rtkit-binary":true}`)
	assert.Zero(t, sp.Namespaces[0].Events[3].MaxBinarySize, "rtkit:resync has no binary values")

	var doc struct {
		Components struct {
			Messages map[string]struct {
				MaxBinarySize int `json:"x-rtkit-max-binary-size"`
			} `json:"messages"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(files["asyncapi.json"], &doc))
	assert.Equal(t, 4096, doc.Components.Messages["files.file.upload"].MaxBinarySize)
	assert.Equal(t, 4096, doc.Components.Messages["files.file.upload.ack"].MaxBinarySize)
	assert.Equal(t, rtkit.DefaultMaxBinarySize, doc.Components.Messages["files.file.shared"].MaxBinarySize)
	assert.Zero(t, doc.Components.Messages["files.file.request"].MaxBinarySize, "only its acknowledgement is binary")
	assert.Equal(t, rtkit.DefaultMaxBinarySize, doc.Components.Messages["files.file.request.ack"].MaxBinarySize)
}

// TestBinaryDocsPassRealTools compiles typed Node.js and browser clients of
// "/files" with tsc --strict (Node's Buffer; the DOM's ArrayBuffer and
// Blob), checks that a string where binary is due does not compile, and
// parses the AsyncAPI document with @asyncapi/parser.
func TestBinaryDocsPassRealTools(t *testing.T) {
	t.Parallel()
	node := needDocscheck(t)
	files, err := docgen.Generate(specOf(filesNamespace()), docgen.Options{})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, docgen.WriteFiles(dir, files))
	runNode(t, node, filepath.Join(docscheck, "check-binary-typescript.mjs"), filepath.Join(dir, "typescript"))
	runNode(t, node, filepath.Join(docscheck, "check-asyncapi.mjs"), filepath.Join(dir, "asyncapi.json"))
}

// TestDiffBinaryLimit: a lower MaxBinarySize breaks clients that send
// attachments; a higher one warns clients that receive them.
func TestDiffBinaryLimit(t *testing.T) {
	t.Parallel()
	binary := json.RawMessage(`{"type":"object","properties":{"d":{"type":"string","x-rtkit-binary":true}}}`)
	plain := json.RawMessage(`{"type":"object"}`)
	spec := func(dir rtkit.Direction, payload, ack json.RawMessage, limit int) rtkit.Spec {
		ev := rtkit.EventSpec{Name: "ev", Direction: dir, Payload: payload, Ack: ack, MaxBinarySize: limit}
		return rtkit.Spec{Namespaces: []rtkit.NamespaceSpec{{Name: "/t", Events: []rtkit.EventSpec{ev}}}}
	}
	cases := []struct {
		name         string
		dir          rtkit.Direction
		payload, ack json.RawMessage
		old, new     int
		want         docgen.ChangeKind
	}{
		{"client sends, limit lowered", rtkit.ClientToServer, binary, nil, 4096, 1024, docgen.ConstraintTightened},
		{"client sends, limit raised", rtkit.ClientToServer, binary, nil, 1024, 4096, ""},
		{"client answers, limit lowered", rtkit.ServerToClient, plain, binary, 4096, 1024, docgen.ConstraintTightened},
		{"client receives, limit raised", rtkit.ServerToClient, binary, nil, 1024, 4096, docgen.ConstraintLoosened},
		{"client receives, limit lowered", rtkit.ServerToClient, binary, nil, 4096, 1024, ""},
		{"client receives in the answer, limit raised", rtkit.ClientToServer, plain, binary, 1024, 4096, docgen.ConstraintLoosened},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := docgen.Diff(spec(c.dir, c.payload, c.ack, c.old), spec(c.dir, c.payload, c.ack, c.new))
			if c.want == "" {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			assert.Equal(t, c.want, got[0].Kind)
			assert.Equal(t, "maxBinarySize", got[0].Keyword)
			assert.Equal(t, c.want == docgen.ConstraintTightened, docgen.AnyBreaking(got), got[0].String())
		})
	}
}
