package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder keeps the errors Check reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, format)
}

func (r *recorder) Helper() {}

func TestCheckReportsMissingChangedAndStaleFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "same.md"), []byte("a\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "changed.md"), []byte("old\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stale.md"), []byte("x\n"), 0o644))
	files := map[string][]byte{"same.md": []byte("a\n"), "changed.md": []byte("new\n"), "sub/missing.md": []byte("m\n")}

	r := &recorder{TB: t}
	Check(r, dir, "docs/x", files, false, "update")
	joined := strings.Join(r.errs, "|")
	assert.Len(t, r.errs, 3, joined)
	assert.Contains(t, joined, "is not generated any more")
	assert.Contains(t, joined, "is missing")
	assert.Contains(t, joined, "differs from the generated file")

	r = &recorder{TB: t}
	Check(r, dir, "docs/x", files, true, "update")
	assert.Empty(t, r.errs, "after an update the folder is what was generated")
	_, err := os.Stat(filepath.Join(dir, "stale.md"))
	assert.True(t, os.IsNotExist(err), "stale files are removed")
	got, err := os.ReadFile(filepath.Join(dir, "sub", "missing.md"))
	require.NoError(t, err)
	assert.Equal(t, "m\n", string(got))
}

func TestFirstDifference(t *testing.T) {
	assert.Equal(t, "line 2:\n  committed: b\n  generated: c", firstDifference([]byte("a\nb"), []byte("a\nc")))
	assert.Empty(t, firstDifference([]byte("a"), []byte("a")))
}
