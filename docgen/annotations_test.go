package docgen_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
	"github.com/rtkit-go/rtkit/ratelimit"
)

func TestMarkdownShowsPolicies(t *testing.T) {
	ev := rtkit.NewEvent[struct {
		N int `json:"n"`
	}, rtkit.NoAck]("costly", ratelimit.Cost(5))
	ns := rtkit.NewNamespace("/limited", ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(100)}))
	rtkit.Handle(ns, ev, func(_ context.Context, _ *rtkit.Socket, _ struct {
		N int `json:"n"`
	}) (rtkit.NoAck, error) {
		return rtkit.NoAck{}, nil
	})
	srv := rtkit.NewServer()
	defer func() { _ = srv.Shutdown(context.Background()) }()
	srv.Mount(ns)
	pages, err := docgen.Markdown(srv.Spec(), docgen.Info{Title: "t"})
	require.NoError(t, err)
	var page string
	for name, b := range pages {
		if strings.Contains(name, "limited") {
			page = string(b)
		}
	}
	require.NotEmpty(t, page)
	assert.Contains(t, page, "## Policies")
	assert.Contains(t, page, "- `rateLimit`: `"+`{"socket":{"events":100,"perMs":60000,"burst":100}}`+"`")
	assert.Contains(t, page, "- `rateLimitCost`: `5`")
}

func TestAsyncAPISecurityForAuthenticatedNamespaces(t *testing.T) {
	doc, err := docgen.AsyncAPI(specOf(echoNamespace(), documentsNamespace()), docgen.Info{})
	require.NoError(t, err)
	var parsed struct {
		Operations map[string]struct {
			Action   string `json:"action"`
			Security []struct {
				Ref string `json:"$ref"`
			} `json:"security"`
		} `json:"operations"`
		Components struct {
			SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(doc, &parsed))
	assert.Equal(t, "bearer", parsed.Components.SecuritySchemes["rtkit.token"]["scheme"])
	assert.Equal(t, "cookie", parsed.Components.SecuritySchemes["rtkit.cookie.rtkit_session"]["in"])
	secured, open := 0, 0
	for name, op := range parsed.Operations {
		if op.Action != "receive" {
			continue
		}
		if strings.Contains(name, "documents") {
			require.Len(t, op.Security, 2, name)
			secured++
		} else {
			assert.Empty(t, op.Security, "%s: /chat needs no authentication", name)
			open++
		}
	}
	assert.Positive(t, secured)
	assert.Positive(t, open)
}
