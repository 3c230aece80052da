package main

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/pgtest"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// benchEngines runs fn on SQLite (the default) and on PostgreSQL, with
// room for 1,000 documents.
func benchEngines(b *testing.B, fn func(b *testing.B, ta *testApp)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, startApp(b, map[string]string{"DOCUMENT_QUOTA": "1000"})) })
	b.Run("postgres", func(b *testing.B) {
		fn(b, startApp(b, map[string]string{"DOCUMENT_QUOTA": "1000", "DATABASE_URL": pgtest.Start(b).NewDatabase(b)}))
	})
}

// BenchmarkPatchToEvent measures a REST PATCH of a document until the
// owner's socket has received document:updated: HTTP, the store, typed
// validation and encoding of the event, and delivery over 127.0.0.1.
func BenchmarkPatchToEvent(b *testing.B) {
	benchEngines(b, func(b *testing.B, ta *testApp) {
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
	})
}

// BenchmarkSignUp measures a sign-up: validation, bcrypt (at the cost the
// tests use, the minimum: the figure is the rest), the user and session
// rows, the answer.
func BenchmarkSignUp(b *testing.B) {
	benchEngines(b, func(b *testing.B, ta *testApp) {
		n := 0
		for b.Loop() {
			n++
			signUp(b, ta, "u"+strconv.Itoa(n)+"@example.com")
		}
	})
}

// BenchmarkList1000Documents measures listing 1,000 documents in pages of
// 100, the most a page holds, following the Link header.
func BenchmarkList1000Documents(b *testing.B) {
	benchEngines(b, func(b *testing.B, ta *testApp) {
		u := signUp(b, ta, "lister@example.com")
		for i := range 1000 {
			res := call(b, "POST", ta.URL+"/api/documents", u.Token, map[string]any{"title": "doc " + strconv.Itoa(i), "content": "some text"})
			require.Equal(b, http.StatusCreated, res.Status)
		}
		for b.Loop() {
			seen, next := 0, "/api/documents?limit=100"
			for next != "" {
				res := call(b, "GET", ta.URL+next, u.Token, nil)
				var page []map[string]any
				res.Decode(b, &page)
				seen += len(page)
				next = linkTarget(res.Header.Get("Link"))
			}
			if seen != 1000 {
				b.Fatalf("listed %d documents", seen)
			}
		}
	})
}
