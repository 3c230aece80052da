package main

import (
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"
)

// webFS is the embedded demo page, as main serves it.
func webFS(t testing.TB) fs.FS {
	t.Helper()
	sub, err := fs.Sub(webFiles, "web")
	require.NoError(t, err)
	return sub
}
