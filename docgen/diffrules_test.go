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

// diffRule is one case of testdata/diff-rules.json: one rule of Diff, as
// two versions of one payload (or acknowledgement) schema and the changes
// expected. cmd/rtkit-docs runs the same cases for its exit status.
type diffRule struct {
	Name      string          `json:"name"`
	Direction rtkit.Direction `json:"direction"`
	Part      string          `json:"part"`
	Old       json.RawMessage `json:"old"`
	New       json.RawMessage `json:"new"`
	Want      []docgen.Change `json:"want"`
}

func loadDiffRules(t *testing.T) []diffRule {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "diff-rules.json"))
	require.NoError(t, err)
	var rules []diffRule
	require.NoError(t, json.Unmarshal(b, &rules))
	return rules
}

// ruleSpec is a contract of one event "ev" on "/t" whose payload (or
// acknowledgement) has the schema s.
func ruleSpec(r diffRule, s json.RawMessage) rtkit.Spec {
	ev := rtkit.EventSpec{Name: "ev", Direction: r.Direction, Payload: s, PayloadType: "P"}
	if r.Part == "ack" {
		ev.Payload, ev.Ack, ev.AckType = json.RawMessage(`{"type":"object"}`), s, "A"
	}
	return rtkit.Spec{Path: "/socket.io/", Namespaces: []rtkit.NamespaceSpec{{Name: "/t", Events: []rtkit.EventSpec{ev}}}}
}

func TestDiffRules(t *testing.T) {
	t.Parallel()
	for _, r := range loadDiffRules(t) {
		t.Run(r.Name, func(t *testing.T) {
			got := docgen.Diff(ruleSpec(r, r.Old), ruleSpec(r, r.New))
			want := make([]docgen.Change, len(r.Want))
			for i, w := range r.Want {
				w.Namespace, w.Event, w.Direction, w.Part = "/t", "ev", r.Direction, r.Part
				if w.Old == "" && w.New == "" && len(got) > i {
					w.Old, w.New = got[i].Old, got[i].New // the values are the message's business
				}
				want[i] = w
			}
			if len(want) == 0 {
				assert.Empty(t, got, "breaks nobody")
			} else {
				assert.Equal(t, want, got)
			}
			for _, c := range got {
				assert.NotEmpty(t, c.String())
			}
			assert.Empty(t, docgen.Diff(ruleSpec(r, r.Old), ruleSpec(r, r.Old)), "a schema against itself")
		})
	}
}

func TestDiffMessages(t *testing.T) {
	t.Parallel()
	byName := map[string]diffRule{}
	for _, r := range loadDiffRules(t) {
		byName[r.Name] = r
	}
	line := func(name string) string {
		r := byName[name]
		changes := docgen.Diff(ruleSpec(r, r.Old), ruleSpec(r, r.New))
		require.Len(t, changes, 1)
		return changes[0].String()
	}
	assert.Equal(t, `/t ev (client-to-server): payload field x accepts fewer values: "a", "b" (was "a", "b", "c")`, line("send: enum narrowed"))
	assert.Equal(t, `/t ev (client-to-server): payload field x: maximum tightened from 10 to 9.5`, line("send: maximum lowered"))
	assert.Equal(t, `/t ev (client-to-server): payload field x: pattern tightened from none to ^[a-z]+$`, line("send: pattern added"))
	assert.Equal(t, `warning: /t ev (server-to-client): payload field x may carry new values: "a", "b", "c" (was "a", "b")`, line("receive: enum widened"))
	assert.Equal(t, `/t ev (server-to-client): payload field x may now be null`, line("receive: field now nullable"))
	assert.Equal(t, `/t ev (client-to-server): payload field color removed; colour, added with the same schema, may be its new name`, line("field renamed"))
}
