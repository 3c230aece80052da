package docgen_test

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/docgen"
	"github.com/rtkit-go/rtkit/internal/golden"
)

var update = flag.Bool("update", false, "rewrite docs/echo from the code instead of comparing")

// goldenDir holds the committed docs of examples/echo.
var goldenDir = filepath.Join("..", "docs", "echo")

func echoFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := docgen.Generate(echoSpec(), docgen.Options{Info: docgen.Info{
		Title:       "rtkit echo example",
		Version:     "1.0.0",
		Description: "The contract of examples/echo: clients post messages to rooms of the \"/chat\" namespace.",
	}})
	require.NoError(t, err)
	return files
}

// TestGoldenEchoDocs compares docs/echo with what the generators write for
// examples/echo's contract. Run `go test ./docgen -run TestGoldenEchoDocs
// -update` after changing the generators or the example.
func TestGoldenEchoDocs(t *testing.T) {
	golden.Check(t, goldenDir, "docs/echo", echoFiles(t), *update,
		"run go test ./docgen -run TestGoldenEchoDocs -update")
}
