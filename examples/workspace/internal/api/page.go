package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

// Page sizes of the list endpoints.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// parsePage reads ?limit= (1 to maxPageSize, default defaultPageSize) and
// ?cursor= (from the previous page's Link header).
func parsePage(r *http.Request) (store.Page, error) {
	q := r.URL.Query()
	p := store.Page{Limit: defaultPageSize}
	var details []Detail
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			details = append(details, Detail{"/limit", fmt.Sprintf("must be an integer from 1 to %d", maxPageSize)})
		}
		p.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		c, err := decodeCursor(v)
		if err != nil {
			details = append(details, Detail{"/cursor", "is not a cursor this API gave"})
		}
		p.After = c
	}
	if len(details) > 0 {
		return store.Page{}, &apiError{status: http.StatusBadRequest, Code: "VALIDATION_ERROR",
			Message: "invalid query", Details: details}
	}
	return p, nil
}

// encodeCursor makes the opaque cursor of the position after (t, id).
func encodeCursor(t time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "." + id.String()))
}

func decodeCursor(s string) (store.Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.Cursor{}, err
	}
	micros, id, ok := strings.Cut(string(raw), ".")
	if !ok {
		return store.Cursor{}, fmt.Errorf("no separator")
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil {
		return store.Cursor{}, err
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return store.Cursor{}, err
	}
	return store.Cursor{CreatedAt: time.UnixMicro(us).UTC(), ID: u}, nil
}

// pageOf trims items, fetched with one more than p.Limit, to the page and
// sets the Link header to the next page when there is one.
func pageOf[T any](w http.ResponseWriter, r *http.Request, p store.Page, items []T, pos func(T) (time.Time, uuid.UUID)) []T {
	if len(items) <= p.Limit {
		return items
	}
	items = items[:p.Limit]
	t, id := pos(items[len(items)-1])
	q := url.Values{"limit": {strconv.Itoa(p.Limit)}, "cursor": {encodeCursor(t, id)}}
	w.Header().Set("Link", "<"+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	return items
}
