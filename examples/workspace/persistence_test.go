package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/pgtest"
)

// Data written, the process stopped with SIGTERM, the process started
// again: every user, session, document and notification is still there,
// on SQLite (DATA_DIR) and on PostgreSQL (DATABASE_URL).
func TestDataSurvivesRestart(t *testing.T) {
	t.Parallel()
	for name, env := range map[string]func(t *testing.T) map[string]string{
		"sqlite": func(t *testing.T) map[string]string { return map[string]string{"DATA_DIR": t.TempDir()} },
		"postgres": func(t *testing.T) map[string]string {
			return map[string]string{"DATABASE_URL": pgtest.Start(t).NewDatabase(t)}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := env(t)
			before := startProc(t, name+"-before", cfg)
			ann := signUp(t, before.testApp(), "ann@example.com")
			res := call(t, "POST", before.URL+"/api/documents", ann.Token, map[string]any{"title": "Kept", "content": "across restarts"})
			require.Equal(t, http.StatusCreated, res.Status)
			doc := res.JSON(t)
			res = call(t, "POST", before.URL+"/api/notifications", ann.Token, map[string]any{"type": "info", "title": "Kept", "message": "too"})
			require.Equal(t, http.StatusCreated, res.Status)
			note := res.JSON(t)
			require.Equal(t, http.StatusOK, call(t, "POST", before.URL+"/api/notifications/"+note["id"].(string)+"/read", ann.Token, nil).Status)
			before.Terminate(t)
			require.NoError(t, before.Err(), "exit status 0 after SIGTERM")

			after := startProc(t, name+"-after", cfg)
			assert.Equal(t, http.StatusOK, call(t, "GET", after.URL+"/api/auth/get-session", ann.Token, nil).Status, "the session")
			res = call(t, "POST", after.URL+"/api/auth/sign-in", "", map[string]any{"email": "ann@example.com", "password": testPassword})
			assert.Equal(t, http.StatusOK, res.Status, "the user and the password")
			var docs []map[string]any
			call(t, "GET", after.URL+"/api/documents", ann.Token, nil).Decode(t, &docs)
			require.Len(t, docs, 1)
			assert.Equal(t, doc, docs[0], "the document, to the microsecond")
			var notes []map[string]any
			call(t, "GET", after.URL+"/api/notifications", ann.Token, nil).Decode(t, &notes)
			require.Len(t, notes, 1)
			note["read"] = true
			assert.Equal(t, note, notes[0], "the notification, read")
			signInAdmin(t, after.testApp()) // the admin account of the first start
		})
	}
}
