package docgen_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
)

func TestGenerateLayout(t *testing.T) {
	t.Parallel()
	sp := specOf(echoNamespace(), documentsNamespace())
	files, err := docgen.Generate(sp, docgen.Options{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		"README.md", "chat.md", "documents.md", "asyncapi.json", "spec.json",
		"typescript/chat.ts", "typescript/documents.ts",
		"schemas/SendMessage.json", "schemas/MessageSent.json", "schemas/Message.json",
		"schemas/DocumentEdit.json", "schemas/EditApplied.json", "schemas/Ping.json",
		"schemas/Page_Comment.json", "schemas/Confirm.json", "schemas/Confirmed.json",
		"schemas/Resync.json", "schemas/Offset.json",
	}, keys(files))

	// Each schema file is the schema the server validates with.
	var back rtkit.Spec
	require.NoError(t, json.Unmarshal(files["spec.json"], &back))
	assert.Equal(t, mustJSON(t, sp), mustJSON(t, back))
	assert.JSONEq(t, string(sp.Namespaces[1].Events[0].Payload), string(files["schemas/DocumentEdit.json"]))
	requireValid(t, files["schemas/Page_Comment.json"], []byte(`{"items":[{"author":{"id":"0b7e3f9a-5c1d-4e8b-9f2a-6d4c3b2a1e0f","name":"Ada"},
		"body":"hi","replies":[{"author":{"id":"0b7e3f9a-5c1d-4e8b-9f2a-6d4c3b2a1e0f","name":"Bob"},"body":"yo"}]}]}`))

	dir := t.TempDir()
	require.NoError(t, docgen.WriteFiles(dir, files))
	got, err := os.ReadFile(filepath.Join(dir, "typescript", "chat.ts"))
	require.NoError(t, err)
	assert.Equal(t, files["typescript/chat.ts"], got)
}

func TestGenerateRefuses(t *testing.T) {
	t.Parallel()
	clash := rtkit.Spec{Path: "/socket.io/", Namespaces: []rtkit.NamespaceSpec{{Name: "/a/b"}, {Name: "/a-b"}}}
	_, err := docgen.Generate(clash, docgen.Options{})
	assert.ErrorContains(t, err, `namespaces "/a/b" and "/a-b" have the same file name "a-b"`)

	broken := rtkit.Spec{Path: "/socket.io/", Namespaces: []rtkit.NamespaceSpec{{Name: "/x", Events: []rtkit.EventSpec{
		{Name: "e", Direction: rtkit.ClientToServer, Payload: json.RawMessage(`[1]`), PayloadType: "x.T"}}}}}
	_, err = docgen.Generate(broken, docgen.Options{})
	assert.Error(t, err)

	dir := t.TempDir()
	for _, name := range []string{"../escape.md", "/abs.md", `a\..\..\b.md`} {
		assert.Error(t, docgen.WriteFiles(dir, map[string][]byte{name: nil}), name)
	}
}
