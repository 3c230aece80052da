package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/identity"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/store"
)

type notificationBody struct {
	UserID    *string `json:"userId"`
	Broadcast *bool   `json:"broadcast"`
	Type      *string `json:"type"`
	Title     *string `json:"title"`
	Message   *string `json:"message"`
}

// Bounds of a notification's text, in characters.
const (
	maxNoteTitle   = 200
	maxNoteMessage = 2000
)

func (b notificationBody) check() []Detail {
	var details []Detail
	switch {
	case b.Type == nil:
		details = append(details, Detail{"/type", "required"})
	case !slices.Contains(realtime.NotificationTypes, *b.Type):
		details = append(details, Detail{"/type", "must be one of " + strings.Join(realtime.NotificationTypes, ", ")})
	}
	switch {
	case b.Title == nil:
		details = append(details, Detail{"/title", "required"})
	case strings.TrimSpace(*b.Title) == "" || utf8.RuneCountInString(*b.Title) > maxNoteTitle:
		details = append(details, Detail{"/title", "must be 1 to 200 characters, not only spaces"})
	}
	switch {
	case b.Message == nil:
		details = append(details, Detail{"/message", "required"})
	case *b.Message == "" || utf8.RuneCountInString(*b.Message) > maxNoteMessage:
		details = append(details, Detail{"/message", "must be 1 to 2000 characters"})
	}
	if b.UserID != nil {
		if _, err := uuid.Parse(*b.UserID); err != nil || len(*b.UserID) != 36 {
			details = append(details, Detail{"/userId", "must be a UUID"})
		} else if b.Broadcast != nil && *b.Broadcast {
			details = append(details, Detail{"/broadcast", "cannot be true together with userId"})
		}
	}
	return details
}

func (a *API) createNotification(w http.ResponseWriter, r *http.Request, c caller) {
	var in notificationBody
	if err := decode(w, r, &in, "type", "title", "message"); err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	if details := in.check(); len(details) > 0 {
		writeError(w, r, a.Log, invalid(details...))
		return
	}
	n := store.Notification{
		ID: uuid.New(), UserID: c.user.ID, Type: *in.Type, Title: *in.Title, Message: *in.Message,
		CreatedAt: now(),
	}
	admin := c.user.Role == identity.RoleAdmin
	switch {
	case in.Broadcast != nil && *in.Broadcast:
		if !admin {
			writeError(w, r, a.Log, errorf(http.StatusForbidden, "FORBIDDEN", "only admins may broadcast"))
			return
		}
		n.UserID, n.Broadcast = uuid.Nil, true
	case in.UserID != nil:
		target := uuid.MustParse(*in.UserID)
		if target != c.user.ID {
			if !admin {
				writeError(w, r, a.Log, errorf(http.StatusForbidden, "FORBIDDEN", "only admins may notify other users"))
				return
			}
			if _, err := a.Stores.Users.ByID(r.Context(), target); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					err = errorf(http.StatusNotFound, "NOT_FOUND", "user not found")
				}
				writeError(w, r, a.Log, err)
				return
			}
		}
		n.UserID = target
	}
	if err := a.Stores.Notifications.Create(r.Context(), n, a.Quotas.Notifications); err != nil {
		writeError(w, r, a.Log, quotaError(err))
		return
	}
	a.announce("notification:new", n.ID, func(rt Realtime) error { return rt.NotificationNew(n) })
	writeJSON(w, http.StatusCreated, realtime.NotificationOf(n))
}

func (a *API) listNotifications(w http.ResponseWriter, r *http.Request, c caller) {
	p, err := parsePage(r)
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	notes, err := a.Stores.Notifications.ListFor(r.Context(), c.user.ID, store.Page{After: p.After, Limit: p.Limit + 1})
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	notes = pageOf(w, r, p, notes, func(n store.Notification) (time.Time, uuid.UUID) { return n.CreatedAt, n.ID })
	out := make([]realtime.Notification, len(notes))
	for i, n := range notes {
		out[i] = realtime.NotificationOf(n)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) readNotification(w http.ResponseWriter, r *http.Request, c caller) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		writeError(w, r, a.Log, errNotificationNotFound())
		return
	}
	n, err := a.Stores.Notifications.MarkRead(r.Context(), id, c.user.ID)
	if errors.Is(err, store.ErrNotFound) {
		err = errNotificationNotFound()
	}
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	a.announce("notification:updated", n.ID, func(rt Realtime) error { return rt.NotificationUpdated(c.user.ID, n) })
	writeJSON(w, http.StatusOK, realtime.NotificationOf(n))
}

// errNotificationNotFound answers a notification that is missing or not
// the caller's: the same, so that ids cannot be probed.
func errNotificationNotFound() *apiError {
	return errorf(http.StatusNotFound, "NOT_FOUND", "notification not found")
}
