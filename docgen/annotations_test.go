package docgen_test

import (
	"context"
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
