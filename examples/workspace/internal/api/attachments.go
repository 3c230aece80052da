package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
)

// shareAttachment answers POST /api/documents/{id}/attachments?name=NAME:
// the body, at most realtime.MaxAttachmentBytes of any media type (its
// Content-Type), is shared with the document's followers as the
// document:attachment event, its bytes a Socket.IO binary attachment.
// Nothing is stored. The name and media type are checked against the
// event's own schema (rtkit.Event.ValidatePayload), so the REST API and the
// socket refuse the same values.
func (a *API) shareAttachment(w http.ResponseWriter, r *http.Request, c caller) {
	if a.Realtime == nil {
		writeError(w, r, a.Log, errorf(http.StatusServiceUnavailable, "UNAVAILABLE", "attachments are shared over Socket.IO, which is disabled"))
		return
	}
	d, err := a.ownDocument(r, c)
	if err != nil {
		writeError(w, r, a.Log, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, realtime.MaxAttachmentBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, r, a.Log, errorf(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "attachment over %d bytes", realtime.MaxAttachmentBytes))
			return
		}
		writeError(w, r, a.Log, errorf(http.StatusBadRequest, "VALIDATION_ERROR", "could not read the request body"))
		return
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	att := realtime.Attachment{DocumentID: d.ID, Name: r.URL.Query().Get("name"), ContentType: mediaType, Data: body}
	if e := validAttachment(att); e != nil {
		writeError(w, r, a.Log, e)
		return
	}
	if err := a.Realtime.DocumentAttachment(d.OwnerID, att); err != nil {
		writeError(w, r, a.Log, internal(err))
		return
	}
	writeJSON(w, http.StatusOK, realtime.InfoOf(att))
}

// validAttachment checks att against document:attachment's schema; the
// details point at the query parameter or header that carried the value.
func validAttachment(att realtime.Attachment) *apiError {
	b, err := json.Marshal(att)
	if err != nil {
		return internal(err)
	}
	e := realtime.DocumentAttachment.ValidatePayload(b)
	if e == nil {
		return nil
	}
	where := map[string]string{"/name": "name (query)", "/contentType": "Content-Type (header)"}
	var details []Detail
	for _, d := range e.Details {
		details = append(details, Detail{Path: where[d.Path], Message: d.Message})
	}
	return &apiError{status: http.StatusBadRequest, Code: string(rtkit.CodeValidation), Message: "invalid attachment", Details: details}
}
