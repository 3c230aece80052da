package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// BenchmarkPatchToEvent measures a REST PATCH of a document until the
// owner's socket has received document:updated: HTTP, the store, typed
// validation and encoding of the event, and delivery over 127.0.0.1.
func BenchmarkPatchToEvent(b *testing.B) {
	ta := startApp(b, nil)
	u := signUp(b, ta, "bench@example.com")
	c := ta.sio().Dial(b, "/documents", withToken(u.Token))
	updates := rtkittest.Listen(c, realtime.DocumentUpdated)
	res := call(b, "POST", ta.URL+"/api/documents", u.Token, map[string]any{"title": "bench"})
	require.Equal(b, http.StatusCreated, res.Status)
	id := res.JSON(b)["id"].(string)
	for b.Loop() {
		res := call(b, "PATCH", ta.URL+"/api/documents/"+id, u.Token, map[string]any{"title": "t"})
		if res.Status != http.StatusOK {
			b.Fatalf("PATCH: %d %s", res.Status, res.Body)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := updates.Next(ctx)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
	}
}
