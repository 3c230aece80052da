package docgen

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"

	"github.com/rtkit-go/rtkit"
)

// ChangeKind classifies a change between two contracts.
type ChangeKind string

// The changes Diff reports. Which side writes a payload decides what
// matters: the client writes the payload of a client → server event and the
// acknowledgement of a server → client one; it reads the others.
const (
	// NamespaceRemoved: a namespace is gone; clients cannot connect to it.
	NamespaceRemoved ChangeKind = "namespace-removed"
	// EventRemoved: an event is gone in one direction. A client that emits
	// it gets UNKNOWN_EVENT; a client that listens for it waits in vain.
	EventRemoved ChangeKind = "event-removed"
	// EventRenamed: an event is gone and another with the same payload and
	// acknowledgement appeared in the same direction; probably a rename.
	// Old clients break all the same.
	EventRenamed ChangeKind = "event-renamed"
	// EventDirectionChanged: an event now flows the other way only.
	EventDirectionChanged ChangeKind = "event-direction-changed"
	// AckRemoved: a client → server event that was acknowledged with data
	// no longer is. (A server → client event that stops asking for an
	// acknowledgement breaks nobody.)
	AckRemoved ChangeKind = "ack-removed"
	// FieldRemoved: a field is gone. Where the client writes the payload,
	// old clients that send it are refused (rtkit refuses unknown fields);
	// where the client reads it, it is missing.
	FieldRemoved ChangeKind = "field-removed"
	// FieldRenamed: a field is gone and one with the same schema appeared
	// beside it; probably a rename. Old clients break all the same.
	FieldRenamed ChangeKind = "field-renamed"
	// FieldRetyped: a field (or the whole payload, Path "") changed type.
	FieldRetyped ChangeKind = "field-retyped"
	// FieldRequired: a field the client writes became required, or a new
	// required field appeared; old clients that omit it are refused.
	FieldRequired ChangeKind = "field-required"
	// FieldOptional: a field the client reads may now be missing.
	FieldOptional ChangeKind = "field-optional"
	// FieldNullable: a field the client reads may now be null.
	FieldNullable ChangeKind = "field-nullable"
	// NullRefused: a field the client writes no longer accepts null.
	NullRefused ChangeKind = "null-refused"
	// EnumNarrowed: values a client may write are refused now (an enum
	// lost values, or a field that took any value became an enum).
	EnumNarrowed ChangeKind = "enum-narrowed"
	// EnumWidened: a field the client reads has new values (a warning: a
	// client that handles every known value meets one it does not know).
	EnumWidened ChangeKind = "enum-widened"
	// ConstraintTightened: a field the client writes has a tighter
	// constraint (Keyword: minimum, maximum, exclusiveMinimum,
	// exclusiveMaximum, minLength, maxLength, minItems, maxItems,
	// multipleOf, uniqueItems, pattern, format, const,
	// additionalProperties); values old clients send may be refused.
	ConstraintTightened ChangeKind = "constraint-tightened"
	// ConstraintLoosened: a field the client reads has a looser
	// constraint (a warning: values outside what old clients were promised
	// may arrive).
	ConstraintLoosened ChangeKind = "constraint-loosened"
)

// Severity says whether a change breaks old clients.
type Severity string

// The severities of a change.
const (
	// Breaking: old clients fail (refused payloads, missing data).
	Breaking Severity = "breaking"
	// Warning: old clients may misbehave (values they were not promised).
	Warning Severity = "warning"
)

// severities gives each kind its severity; kinds not listed break.
var severities = map[ChangeKind]Severity{EnumWidened: Warning, ConstraintLoosened: Warning}

// Change is one change between two specs that a client would notice.
type Change struct {
	// Kind says what changed.
	Kind ChangeKind `json:"kind"`
	// Severity is Breaking or Warning.
	Severity Severity `json:"severity"`
	// Namespace is the namespace's name ("/chat").
	Namespace string `json:"namespace"`
	// Event and Direction name the event (its old name and direction);
	// both are empty for NamespaceRemoved.
	Event     string          `json:"event,omitempty"`
	Direction rtkit.Direction `json:"direction,omitempty"`
	// Part is "payload" or "ack" for field changes.
	Part string `json:"part,omitempty"`
	// Path is the field, dotted as in the Markdown tables ("author.name",
	// "tags[]"); "" for the whole payload.
	Path string `json:"path,omitempty"`
	// Keyword is the JSON Schema keyword of a constraint change.
	Keyword string `json:"keyword,omitempty"`
	// Old and New describe the change: types (FieldRetyped), names
	// (EventRenamed, FieldRenamed), directions (EventDirectionChanged),
	// values (enums, constraints).
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
}

// String describes the change in one line.
func (c Change) String() string {
	where := c.Namespace
	if c.Event != "" {
		where += " " + c.Event + " (" + string(c.Direction) + ")"
	}
	field := c.Part
	if c.Path != "" {
		field += " field " + c.Path
	}
	prefix := ""
	if c.Severity == Warning {
		prefix = "warning: "
	}
	return prefix + where + ": " + c.what(field)
}

func (c Change) what(field string) string {
	switch c.Kind {
	case NamespaceRemoved:
		return "namespace removed"
	case EventRemoved:
		return "event removed"
	case EventRenamed:
		return fmt.Sprintf("event removed; %s, added with the same payload and acknowledgement, may be its new name", c.New)
	case EventDirectionChanged:
		return fmt.Sprintf("direction changed from %s to %s", c.Old, c.New)
	case AckRemoved:
		return "acknowledgement data removed"
	case FieldRemoved:
		return field + " removed"
	case FieldRenamed:
		return fmt.Sprintf("%s removed; %s, added with the same schema, may be its new name", field, c.New)
	case FieldRetyped:
		return fmt.Sprintf("%s changed type from %s to %s", field, c.Old, c.New)
	case FieldRequired:
		return field + " is now required"
	case FieldOptional:
		return field + " may now be missing"
	case FieldNullable:
		return field + " may now be null"
	case NullRefused:
		return field + " no longer accepts null"
	case EnumNarrowed:
		return fmt.Sprintf("%s accepts fewer values: %s (was %s)", field, c.New, c.Old)
	case EnumWidened:
		return fmt.Sprintf("%s may carry new values: %s (was %s)", field, c.New, c.Old)
	case ConstraintTightened:
		return fmt.Sprintf("%s: %s tightened from %s to %s", field, c.Keyword, c.Old, c.New)
	case ConstraintLoosened:
		return fmt.Sprintf("%s: %s loosened from %s to %s", field, c.Keyword, c.Old, c.New)
	}
	return string(c.Kind)
}

// Diff lists the changes from old to new that a client written against
// old would notice, in the order of old's namespaces and events. It
// reasons like a client: what a client sends may not be constrained more
// (tighter bounds, lengths, patterns, formats, fewer enum values, closed
// objects, new required fields, null refused); what it receives may not be
// missing, null or of another type where it was not before, and values it
// was not promised (wider enums, looser bounds) are warnings. Additions
// (events, optional fields, fields the server adds to what it sends) are
// not listed. Types are compared as JSON types: a field that changed from
// int32 to int64 is the same integer.
func Diff(old, new rtkit.Spec) []Change {
	var out []Change
	for _, ons := range old.Namespaces {
		i := slices.IndexFunc(new.Namespaces, func(n rtkit.NamespaceSpec) bool { return n.Name == ons.Name })
		if i < 0 {
			out = append(out, Change{Kind: NamespaceRemoved, Namespace: ons.Name})
			continue
		}
		out = append(out, diffNamespace(ons, new.Namespaces[i])...)
	}
	for i := range out {
		out[i].Severity = cmpSeverity(out[i].Kind)
	}
	return out
}

func cmpSeverity(k ChangeKind) Severity {
	if s, ok := severities[k]; ok {
		return s
	}
	return Breaking
}

// AnyBreaking reports whether any of changes breaks old clients.
func AnyBreaking(changes []Change) bool {
	return slices.ContainsFunc(changes, func(c Change) bool { return c.Severity != Warning })
}

func diffNamespace(ons, nns rtkit.NamespaceSpec) []Change {
	var out []Change
	find := func(evs []rtkit.EventSpec, name string, dir rtkit.Direction) int {
		return slices.IndexFunc(evs, func(e rtkit.EventSpec) bool { return e.Name == name && e.Direction == dir })
	}
	renamedTo := map[int]bool{} // new events already taken as renames
	for _, oev := range ons.Events {
		base := Change{Namespace: ons.Name, Event: oev.Name, Direction: oev.Direction}
		j := find(nns.Events, oev.Name, oev.Direction)
		if j < 0 {
			out = append(out, vanished(base, oev, ons, nns, renamedTo))
			continue
		}
		nev := nns.Events[j]
		clientWrites := oev.Direction == rtkit.ClientToServer
		out = append(out, diffSchema(base, "payload", oev.Payload, nev.Payload, clientWrites)...)
		switch {
		case oev.Ack == nil:
		case nev.Ack == nil && clientWrites:
			base.Kind = AckRemoved
			out = append(out, base)
		case nev.Ack != nil:
			out = append(out, diffSchema(base, "ack", oev.Ack, nev.Ack, !clientWrites)...)
		}
		out = append(out, diffBinaryLimit(base, oev, nev)...)
	}
	return out
}

// diffBinaryLimit compares the events' MaxBinarySize: a lower limit on
// attachments the client sends breaks; a higher one on attachments it
// receives is a warning.
func diffBinaryLimit(base Change, oev, nev rtkit.EventSpec) []Change {
	o, n := oev.MaxBinarySize, nev.MaxBinarySize
	if o == 0 || n == 0 || o == n {
		return nil // no binary values before or after: the fields say so
	}
	writes, reads := oev.Payload, oev.Ack
	if oev.Direction == rtkit.ServerToClient {
		writes, reads = oev.Ack, oev.Payload
	}
	base.Part = "binary attachments"
	base.Keyword, base.Old, base.New = "maxBinarySize", strconv.Itoa(o), strconv.Itoa(n)
	switch {
	case n < o && hasBinary(writes):
		base.Kind = ConstraintTightened
	case n > o && hasBinary(reads):
		base.Kind = ConstraintLoosened
	default:
		return nil
	}
	return []Change{base}
}

// hasBinary reports whether a schema document has Binary values.
func hasBinary(raw []byte) bool { return bytes.Contains(raw, []byte(`"x-rtkit-binary":true`)) }

// vanished classifies an event missing from the new namespace in its old
// direction: it flows the other way now, it was renamed, or it is gone.
func vanished(base Change, oev rtkit.EventSpec, ons, nns rtkit.NamespaceSpec, taken map[int]bool) Change {
	other := rtkit.ClientToServer
	if oev.Direction == rtkit.ClientToServer {
		other = rtkit.ServerToClient
	}
	declared := func(evs []rtkit.EventSpec, name string, dir rtkit.Direction) bool {
		return slices.ContainsFunc(evs, func(e rtkit.EventSpec) bool { return e.Name == name && e.Direction == dir })
	}
	if declared(nns.Events, oev.Name, other) && !declared(ons.Events, oev.Name, other) {
		base.Kind, base.Old, base.New = EventDirectionChanged, string(oev.Direction), string(other)
		return base
	}
	for j, nev := range nns.Events {
		if taken[j] || nev.Direction != oev.Direction || declared(ons.Events, nev.Name, nev.Direction) {
			continue
		}
		if sameSchema(oev.Payload, nev.Payload) && sameSchema(oev.Ack, nev.Ack) {
			taken[j] = true
			base.Kind, base.Old, base.New = EventRenamed, oev.Name, nev.Name
			return base
		}
	}
	base.Kind = EventRemoved
	return base
}
