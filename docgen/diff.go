package docgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rtkit-go/rtkit"
)

// ChangeKind classifies a breaking change.
type ChangeKind string

// The breaking changes Diff reports.
const (
	// NamespaceRemoved: a namespace is gone; clients cannot connect to it.
	NamespaceRemoved ChangeKind = "namespace-removed"
	// EventRemoved: an event is gone in one direction. A client that emits
	// it gets UNKNOWN_EVENT; a client that listens for it waits in vain.
	EventRemoved ChangeKind = "event-removed"
	// AckRemoved: a client → server event that was acknowledged with data
	// no longer is. (A server → client event that stops asking for an
	// acknowledgement breaks nobody.)
	AckRemoved ChangeKind = "ack-removed"
	// FieldRemoved: a field is gone. Where the client writes the payload,
	// old clients that send it are refused (rtkit refuses unknown fields);
	// where the client reads it, it is missing.
	FieldRemoved ChangeKind = "field-removed"
	// FieldRetyped: a field (or the whole payload, Path "") changed type.
	FieldRetyped ChangeKind = "field-retyped"
	// FieldRequired: a field the client writes became required, or a new
	// required field appeared; old clients that omit it are refused.
	FieldRequired ChangeKind = "field-required"
)

// Change is one breaking change between two specs.
type Change struct {
	// Kind says what changed.
	Kind ChangeKind `json:"kind"`
	// Namespace is the namespace's name ("/chat").
	Namespace string `json:"namespace"`
	// Event and Direction name the event; both are empty for
	// NamespaceRemoved.
	Event     string          `json:"event,omitempty"`
	Direction rtkit.Direction `json:"direction,omitempty"`
	// Part is "payload" or "ack" for field changes.
	Part string `json:"part,omitempty"`
	// Path is the field, dotted as in the Markdown tables ("author.name",
	// "tags[]"); "" for the whole payload.
	Path string `json:"path,omitempty"`
	// Old and New are the field's types, for FieldRetyped.
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
	switch c.Kind {
	case NamespaceRemoved:
		return where + ": namespace removed"
	case EventRemoved:
		return where + ": event removed"
	case AckRemoved:
		return where + ": acknowledgement data removed"
	case FieldRemoved:
		return fmt.Sprintf("%s: %s removed", where, field)
	case FieldRetyped:
		return fmt.Sprintf("%s: %s changed type from %s to %s", where, field, c.Old, c.New)
	case FieldRequired:
		return fmt.Sprintf("%s: %s is now required", where, field)
	}
	return where + ": " + string(c.Kind)
}

// Diff lists the changes from old to new that can break a client written
// against old, in the order of old's namespaces and events. Additions
// (events, optional fields, fields the server adds to what it sends) are
// not breaking and not listed; neither are changes of constraints such as
// lengths, patterns or enums. Types are compared as JSON types: a field
// that changed from int32 to int64 is the same integer.
//
// Which side writes a payload decides whether a required field breaks:
// the client writes the payload of a client → server event and the
// acknowledgement of a server → client one.
func Diff(old, new rtkit.Spec) []Change {
	var out []Change
	for _, ons := range old.Namespaces {
		i := slices.IndexFunc(new.Namespaces, func(n rtkit.NamespaceSpec) bool { return n.Name == ons.Name })
		if i < 0 {
			out = append(out, Change{Kind: NamespaceRemoved, Namespace: ons.Name})
			continue
		}
		nns := new.Namespaces[i]
		for _, oev := range ons.Events {
			j := slices.IndexFunc(nns.Events, func(e rtkit.EventSpec) bool {
				return e.Name == oev.Name && e.Direction == oev.Direction
			})
			base := Change{Namespace: ons.Name, Event: oev.Name, Direction: oev.Direction}
			if j < 0 {
				base.Kind = EventRemoved
				out = append(out, base)
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
		}
	}
	return out
}

// diffSchema compares the fields of two schema documents.
func diffSchema(base Change, part string, oldRaw, newRaw []byte, clientWrites bool) []Change {
	base.Part = part
	oldRoot, err1 := parseSchema(oldRaw)
	newRoot, err2 := parseSchema(newRaw)
	if err1 != nil || err2 != nil {
		if string(oldRaw) != string(newRaw) {
			base.Kind = FieldRetyped
			base.Old, base.New = "(unreadable schema)", "(unreadable schema)"
			return []Change{base}
		}
		return nil
	}
	var out []Change
	oldRes, newRes := newResolver(oldRoot), newResolver(newRoot)
	oldType, newType := shape(oldRes, oldRoot), shape(newRes, newRoot)
	if oldType != newType {
		c := base
		c.Kind, c.Old, c.New = FieldRetyped, oldType, newType
		return append(out, c)
	}
	newRows := map[string]fieldRow{}
	for _, r := range flatten(newRoot) {
		newRows[r.Path] = r
	}
	oldRows := map[string]bool{}
	removed := []string{}
	for _, o := range flatten(oldRoot) {
		oldRows[o.Path] = true
		if o.Element || under(o.Path, removed) {
			continue // its parent was removed or retyped
		}
		n, ok := newRows[o.Path]
		c := base
		c.Path = o.Path
		switch {
		case !ok:
			c.Kind = FieldRemoved
			removed = append(removed, o.Path)
		case shape(oldRes, o.Schema) != shape(newRes, n.Schema):
			c.Kind, c.Old, c.New = FieldRetyped, shape(oldRes, o.Schema), shape(newRes, n.Schema)
			removed = append(removed, o.Path)
		case clientWrites && !o.Required && n.Required:
			c.Kind = FieldRequired
		default:
			continue
		}
		out = append(out, c)
	}
	if clientWrites {
		for _, n := range flatten(newRoot) {
			if !oldRows[n.Path] && n.Required && !n.Element && parentExisted(n.Path, oldRows) {
				c := base
				c.Kind, c.Path = FieldRequired, n.Path
				out = append(out, c)
			}
		}
	}
	return out
}

// shape names the JSON types a schema allows, for comparison: "integer"
// and "number" are kept apart, a list of types is sorted, and lists and
// maps carry the shape of their elements ("array<string>"). Objects are
// compared field by field, so their shape is just "object".
func shape(r *resolver, s *schema) string {
	return shapeDepth(r, s, 0)
}

func shapeDepth(r *resolver, s *schema, depth int) string {
	s, _ = r.resolve(s)
	if s == nil || s.Bool != nil || depth > 8 {
		return "any"
	}
	if len(s.Types) == 0 {
		if len(s.Properties) > 0 {
			return "object"
		}
		if len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) > 0 || len(s.Const) > 0 || len(s.Enum) > 0 {
			return "mixed"
		}
		return "any"
	}
	ts := make([]string, len(s.Types))
	for i, t := range s.Types {
		switch {
		case t == "array" && s.Items != nil:
			t = "array<" + shapeDepth(r, s.Items, depth+1) + ">"
		case t == "object" && len(s.Properties) == 0 && s.AdditionalProperties != nil && s.AdditionalProperties.Bool == nil:
			t = "map<" + shapeDepth(r, s.AdditionalProperties, depth+1) + ">"
		}
		ts[i] = t
	}
	slices.Sort(ts)
	return strings.Join(ts, "|")
}

func under(path string, parents []string) bool {
	for _, p := range parents {
		if strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[]") || strings.HasPrefix(path, p+"{}") {
			return true
		}
	}
	return false
}

// parentExisted reports whether the object that holds path existed before:
// a new required field inside a new optional object breaks nobody.
func parentExisted(path string, old map[string]bool) bool {
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return true
	}
	parent := path[:i]
	for {
		p, ok := strings.CutSuffix(parent, "[]")
		if !ok {
			p, ok = strings.CutSuffix(parent, "{}")
		}
		if !ok {
			break
		}
		parent = p
	}
	return parent == "" || old[parent]
}
