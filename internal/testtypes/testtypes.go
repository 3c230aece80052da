// Package testtypes declares payload types that exercise the known
// pitfalls of reflecting JSON Schemas from Go types, shared by the schema
// tests and the root package's packet fuzz test. Packages a and b declare
// two types of the same name.
package testtypes

import (
	"net/netip"
	"time"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit/internal/testtypes/a"
	"github.com/rtkit-go/rtkit/internal/testtypes/b"
)

// Envelope is a generic type: its instantiations have names that are not
// valid JSON Pointer tokens as they are.
type Envelope[T any] struct {
	Item T `json:"item"`
}

// Pitfalls holds one field of each kind that invopop/jsonschema gets wrong
// by default: TextMarshalers, unsigned integers, time.Time, a generic
// type, and two types of the same name from two packages.
type Pitfalls struct {
	ID      uuid.UUID          `json:"id"`
	Addr    netip.Addr         `json:"addr"`
	Count   uint               `json:"count"`
	Small   uint8              `json:"small"`
	At      time.Time          `json:"at"`
	Wrapped Envelope[a.Author] `json:"wrapped"`
	A       a.Author           `json:"a"`
	B       b.Author           `json:"b"`
	Opt     *int               `json:"opt,omitempty"`
}

// ValidPitfalls is a Pitfalls payload that passes its schema.
const ValidPitfalls = `{"id":"7f1c2a4e-3b5d-4c6e-8f90-1a2b3c4d5e6f","addr":"127.0.0.1","count":3,"small":7,
	"at":"2026-11-27T10:00:00.5Z","wrapped":{"item":{"name":"x"}},"a":{"name":"n"},"b":{"id":1}}`
