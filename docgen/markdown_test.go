package docgen_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
)

var (
	eventHeading = regexp.MustCompile("(?m)^### `([^`]+)`$")
	jsonBlock    = regexp.MustCompile("(?s)```json\n(.*?)\n```")
)

// errorEventSchema is the wire form of the "error" event, written from the
// rtkit documentation independently of the generator.
const errorEventSchema = `{"type":"object","required":["code","message","event"],"additionalProperties":false,
	"properties":{"code":{"type":"string"},"message":{"type":"string"},"event":{"type":"string"},
	"details":{"type":"array","items":{"type":"object","required":["path","message"],"additionalProperties":false,
		"properties":{"path":{"type":"string"},"message":{"type":"string"}}}},
	"retryAfterMs":{"type":"integer","minimum":1}}}`

// TestMarkdownExamplesValidate reads every JSON example of the generated
// pages and validates it against the schema it illustrates: the payload,
// the acknowledgement (inside its envelope for client → server events) and
// the "error" event.
func TestMarkdownExamplesValidate(t *testing.T) {
	t.Parallel()
	sp := specOf(echoNamespace(), documentsNamespace())
	pages, err := docgen.Markdown(sp, docgen.Info{})
	require.NoError(t, err)
	checked := 0
	for _, ns := range sp.Namespaces {
		page := string(pages[map[string]string{"/chat": "chat.md", "/documents": "documents.md"}[ns.Name]])
		require.NotEmpty(t, page, ns.Name)
		for _, dir := range []rtkit.Direction{rtkit.ClientToServer, rtkit.ServerToClient} {
			section := directionSection(t, page, dir)
			for _, ev := range ns.Events {
				if ev.Direction != dir {
					continue
				}
				blocks := eventBlocks(t, section, ev.Name)
				require.NotEmpty(t, blocks, "%s %s", ns.Name, ev.Name)
				requireValid(t, ev.Payload, []byte(blocks[0]))
				checked++
				if ev.Ack == nil {
					require.Len(t, blocks, 1, "%s %s", ns.Name, ev.Name)
					continue
				}
				require.Len(t, blocks, 2, "%s %s", ns.Name, ev.Name)
				ack := []byte(blocks[1])
				if dir == rtkit.ClientToServer {
					var env struct {
						Success *bool           `json:"success"`
						Data    json.RawMessage `json:"data"`
					}
					require.NoError(t, json.Unmarshal(ack, &env))
					require.NotNil(t, env.Success)
					assert.True(t, *env.Success)
					ack = env.Data
				}
				requireValid(t, ev.Ack, ack)
				checked++
			}
			if dir == rtkit.ServerToClient {
				blocks := eventBlocks(t, section, "error")
				require.Len(t, blocks, 1)
				requireValid(t, []byte(errorEventSchema), []byte(blocks[0]))
				checked++
			}
		}
	}
	assert.Equal(t, 15, checked) // with the recovery events of both namespaces
}

func directionSection(t *testing.T, page string, dir rtkit.Direction) string {
	t.Helper()
	c2s := strings.Index(page, "\n## Client → server events\n")
	s2c := strings.Index(page, "\n## Server → client events\n")
	rooms := strings.Index(page, "\n## Rooms\n")
	require.True(t, c2s >= 0 && c2s < s2c && s2c < rooms, "sections in order")
	if dir == rtkit.ClientToServer {
		return page[c2s:s2c]
	}
	return page[s2c:rooms]
}

// eventBlocks returns the JSON blocks under the event's heading.
func eventBlocks(t *testing.T, section, event string) []string {
	t.Helper()
	locs := eventHeading.FindAllStringSubmatchIndex(section, -1)
	for i, l := range locs {
		if section[l[2]:l[3]] != event {
			continue
		}
		end := len(section)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		var out []string
		for _, m := range jsonBlock.FindAllStringSubmatch(section[l[1]:end], -1) {
			out = append(out, m[1])
		}
		return out
	}
	t.Fatalf("no heading for %s", event)
	return nil
}

func TestMarkdownPage(t *testing.T) {
	t.Parallel()
	pages, err := docgen.Markdown(specOf(documentsNamespace()), docgen.Info{Title: "Docs API"})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"README.md", "documents.md"}, keys(pages))
	page := string(pages["documents.md"])
	for _, want := range []string{
		"# Namespace `/documents`",
		"| [`document:edit`](#documentedit) | client → server | Apply an edit |",
		"**Payload** (`Page[Comment]`):",
		"| `items[].author.name` | string | yes | 2 to 40 characters |  |",
		"| `position` | integer | yes | ≥ 0; ≤ 4294967295 |  |",
		"| `kind` | string | yes | one of `\"insert\"`, `\"delete\"` |  |",
		"| `meta` | map of integer | no |  |  |",
		"| `items[].replies` | array of Comment | no |  |  |",
		"**Deprecated:** use document:thread",
		"`FORBIDDEN`, `INTERNAL`, `NOT_FOUND`",
		"**Acknowledgement** (`Confirmed`): the client calls back with this value itself",
		"| `document:{documentId}` | `documentId` | Editors \\| viewers |",
		"| `user:{userId}:*` | `userId` |  |",
	} {
		assert.Contains(t, page, want)
	}
	assert.NotContains(t, page, "\n\n\n")
	index := string(pages["README.md"])
	assert.True(t, strings.HasPrefix(index, "# Docs API\n"), index)
	assert.Contains(t, index, "| [`/documents`](documents.md) | Shared documents |")
	assert.Contains(t, index, "| `RATE_LIMITED` |")
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestMarkdownTellsTheWholeWireContract(t *testing.T) {
	t.Parallel()
	md, err := docgen.Markdown(specOf(echoNamespace(), documentsNamespace()), docgen.Info{})
	require.NoError(t, err)
	docs := string(md["documents.md"])
	assert.Contains(t, docs, "## Authentication\n\nEvery connection must authenticate. Pass the session token in the handshake: "+
		"`io(\"https://HOST/documents\", { path: \"/socket.io/\", auth: { token: \"<token>\" } })`")
	assert.Contains(t, docs, "session cookie instead (`rtkit_session`")
	assert.NotContains(t, docs, `"required":true`, "no raw annotation JSON for authentication")
	assert.Contains(t, docs, "## Connection state recovery\n\nOn: a client that lost its connection and comes back within 2 minutes")
	comments := docs[strings.Index(docs, "### `document:comments`"):strings.Index(docs, "### `document:confirm`")]
	assert.Contains(t, comments, "**Offset:** a second argument follows the payload")
	confirm := docs[strings.Index(docs, "### `document:confirm`"):strings.Index(docs, "### `rtkit:resync`")]
	assert.NotContains(t, confirm, "**Offset:**", "an event with an acknowledgement carries no offset")
	for _, ev := range []string{"### `rtkit:resync`", "### `rtkit:offset`", "[`rtkit:resync`](#rtkitresync)"} {
		assert.Contains(t, docs, ev)
	}
	assert.NotContains(t, string(md["chat.md"]), "## Authentication", "no auth annotation, no section")
}
