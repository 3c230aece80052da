package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// Detail names one invalid field: a JSON Pointer into the body and what is
// wrong, as the Socket.IO side reports validation errors.
type Detail struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// apiError is an error response: {"error": {"code", "message", "details"?}}.
type apiError struct {
	status  int
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Details []Detail `json:"details,omitempty"`
	// RetryAfterMs says when to try again (RATE_LIMITED only).
	RetryAfterMs int64 `json:"retryAfterMs,omitempty"`
	cause        error
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalid is a 400 VALIDATION_ERROR listing the invalid fields.
func invalid(details ...Detail) *apiError {
	return &apiError{status: http.StatusBadRequest, Code: "VALIDATION_ERROR", Message: "invalid request body", Details: details}
}

// errUnauthorized answers a request without credentials.
func errUnauthorized() *apiError {
	return errorf(http.StatusUnauthorized, "UNAUTHORIZED", "Authentication required")
}

// errInvalidSession answers a token that is unknown, expired or signed out.
func errInvalidSession() *apiError {
	return errorf(http.StatusUnauthorized, "UNAUTHORIZED", "Invalid session")
}

// internal is a 500 whose cause is logged, never sent.
func internal(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, Code: "INTERNAL", Message: "internal server error", cause: err}
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes e (an *apiError, or any error as INTERNAL).
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		e = internal(err)
	}
	if e.RetryAfterMs > 0 {
		retryAfter(w, e.RetryAfterMs)
	}
	if e.status >= 500 {
		log.Error("http request failed", "method", r.Method, "path", r.URL.Path, "err", e.cause)
	}
	writeJSON(w, e.status, map[string]any{"error": e})
}

// decode reads a JSON object body into dst. A Content-Type other than
// application/json is a 415 (see isJSON). A malformed body, a wrong type,
// a body that is not an object or null for one of the notNull fields is a
// 400; an oversized one a 413.
func decode(w http.ResponseWriter, r *http.Request, dst any, notNull ...string) error {
	if !isJSON(r) {
		return errorf(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "the request body must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errorf(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "request body over %d bytes", maxBody)
		}
		return errorf(http.StatusBadRequest, "VALIDATION_ERROR", "could not read the request body")
	}
	trimmed := strings.TrimSpace(string(body))
	if !strings.HasPrefix(trimmed, "{") {
		return errorf(http.StatusBadRequest, "VALIDATION_ERROR", "the request body must be a JSON object")
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalid(Detail{Path: "/" + strings.ReplaceAll(te.Field, ".", "/"), Message: "must be a " + jsonType(te.Type.String())})
		}
		return errorf(http.StatusBadRequest, "VALIDATION_ERROR", "the request body is not valid JSON")
	}
	if len(notNull) > 0 {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return errorf(http.StatusBadRequest, "VALIDATION_ERROR", "the request body is not valid JSON")
		}
		var details []Detail
		for _, f := range notNull {
			if v, ok := fields[f]; ok && string(v) == "null" {
				details = append(details, Detail{Path: "/" + f, Message: "must not be null"})
			}
		}
		if len(details) > 0 {
			return invalid(details...)
		}
	}
	return nil
}

// jsonType names the JSON type a Go type decodes from.
func jsonType(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	default:
		return goType
	}
}
