// Package schema turns a payload's Go type into what rtkit checks on the
// wire: a JSON Schema reflected from the type (invopop/jsonschema) and
// compiled once (santhosh-tekuri/jsonschema, draft 2020-12, formats
// asserted), a decoder that stores a validated payload into the type
// without a JSON round trip, a plan of where its Binary values sit, and
// the rules for what goes out (nil slices and maps zero-filled, outbound
// validation).
//
// Before any schema runs, a payload is checked for shape: at most 32
// levels of nesting, JSON values only (an attachment is accepted only
// where the type has a Binary value, within the size and count bounds).
//
// Failures of incoming payloads are *Invalid values, which the root
// package turns into VALIDATION_ERROR; nothing here panics per message.
// No type of this package appears in rtkit's exported API: the root
// package holds a *Type per payload and acknowledgement of each event.
package schema
