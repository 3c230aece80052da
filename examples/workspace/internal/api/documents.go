package api

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

// DocumentJSON is a document as the API shows it.
type DocumentJSON struct {
	ID        uuid.UUID `json:"id"`
	Title     string    `json:"title"`
	Content   string    `json:"content"`
	OwnerID   uuid.UUID `json:"ownerId"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func documentJSON(d store.Document) DocumentJSON {
	return DocumentJSON{ID: d.ID, Title: d.Title, Content: d.Content, OwnerID: d.OwnerID,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// Bounds of a document's fields, in characters.
const (
	maxTitle   = 200
	maxContent = 100_000
)

type documentBody struct {
	Title   *string `json:"title"`
	Content *string `json:"content"`
}

// check validates the fields present; required says title must be.
func (b documentBody) check(required bool) []Detail {
	var details []Detail
	switch {
	case b.Title == nil && required:
		details = append(details, Detail{"/title", "required"})
	case b.Title != nil && (strings.TrimSpace(*b.Title) == "" || utf8.RuneCountInString(*b.Title) > maxTitle):
		details = append(details, Detail{"/title", "must be 1 to 200 characters, not only spaces"})
	}
	if b.Content != nil && utf8.RuneCountInString(*b.Content) > maxContent {
		details = append(details, Detail{"/content", "must be at most 100000 characters"})
	}
	return details
}

func (a *API) listDocuments(w http.ResponseWriter, r *http.Request, c caller) {
	p, err := parsePage(r)
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	docs, err := a.Stores.Documents.ListByOwner(r.Context(), c.user.ID, store.Page{After: p.After, Limit: p.Limit + 1})
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	docs = pageOf(w, r, p, docs, func(d store.Document) (time.Time, uuid.UUID) { return d.CreatedAt, d.ID })
	out := make([]DocumentJSON, len(docs))
	for i, d := range docs {
		out[i] = documentJSON(d)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) createDocument(w http.ResponseWriter, r *http.Request, c caller) {
	var in documentBody
	if err := decode(w, r, &in, "title", "content"); err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	if details := in.check(true); len(details) > 0 {
		writeError(w, r, a.Log, invalid(details...))
		return
	}
	now := now()
	d := store.Document{ID: uuid.New(), OwnerID: c.user.ID, Title: *in.Title, Content: deref(in.Content),
		CreatedAt: now, UpdatedAt: now}
	if err := a.Stores.Documents.Create(r.Context(), d, a.documentQuota()); err != nil {
		writeError(w, r, a.Log, quotaError(err))
		return
	}
	writeJSON(w, http.StatusCreated, documentJSON(d))
}

// ownDocument loads the document of the path's {id} if the caller owns
// it; another user's document is as unknown as a missing one.
func (a *API) ownDocument(r *http.Request, c caller) (store.Document, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return store.Document{}, errDocumentNotFound()
	}
	d, err := a.Stores.Documents.Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.OwnerID != c.user.ID) {
		return store.Document{}, errDocumentNotFound()
	}
	return d, err
}

// documentQuota is what one user may store.
func (a *API) documentQuota() store.DocumentQuota {
	return store.DocumentQuota{Documents: a.Quotas.Documents, Bytes: a.Quotas.DocumentBytes}
}

// quotaError turns store.ErrQuota into the API's 403 QUOTA_EXCEEDED.
func quotaError(err error) error {
	if errors.Is(err, store.ErrQuota) {
		return errorf(http.StatusForbidden, "QUOTA_EXCEEDED", "quota exceeded: delete something first")
	}
	return err
}

// now is the time of a change, to the microsecond: what every store
// keeps (PostgreSQL's timestamps, list cursors).
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func errDocumentNotFound() *apiError {
	return errorf(http.StatusNotFound, "NOT_FOUND", "document not found")
}

func (a *API) getDocument(w http.ResponseWriter, r *http.Request, c caller) {
	d, err := a.ownDocument(r, c)
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, documentJSON(d))
}

func (a *API) patchDocument(w http.ResponseWriter, r *http.Request, c caller) {
	d, err := a.ownDocument(r, c)
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	var in documentBody
	if err := decode(w, r, &in, "title", "content"); err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	if details := in.check(false); len(details) > 0 {
		writeError(w, r, a.Log, invalid(details...))
		return
	}
	if in.Title == nil && in.Content == nil {
		writeJSON(w, http.StatusOK, documentJSON(d)) // nothing to change
		return
	}
	if in.Title != nil {
		d.Title = *in.Title
	}
	if in.Content != nil {
		d.Content = *in.Content
	}
	d.UpdatedAt = now()
	if err := a.Stores.Documents.Update(r.Context(), d, a.documentQuota()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = errDocumentNotFound()
		}
		writeError(w, r, a.Log, quotaError(err))
		return
	}
	a.announce("document:updated", d.ID, func(rt Realtime) error { return rt.DocumentUpdated(d) })
	writeJSON(w, http.StatusOK, documentJSON(d))
}

func (a *API) deleteDocument(w http.ResponseWriter, r *http.Request, c caller) {
	d, err := a.ownDocument(r, c)
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	if err := a.Stores.Documents.Delete(r.Context(), d.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = errDocumentNotFound()
		}
		writeError(w, r, a.Log, err)
		return
	}
	a.announce("document:deleted", d.ID, func(rt Realtime) error { return rt.DocumentDeleted(d) })
	w.WriteHeader(http.StatusNoContent)
}
