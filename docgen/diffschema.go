package docgen

import (
	"encoding/json"
	"math/big"
	"slices"
	"strings"
)

// diffSchema compares two schema documents of one payload or
// acknowledgement, field by field. clientWrites says which side writes it.
func diffSchema(base Change, part string, oldRaw, newRaw []byte, clientWrites bool) []Change {
	base.Part = part
	if oldRaw == nil && newRaw == nil {
		return nil
	}
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
	d := &schemaDiff{base: base, writes: clientWrites, oldRes: newResolver(oldRoot), newRes: newResolver(newRoot)}
	oldType, newType := shape(d.oldRes, oldRoot), shape(d.newRes, newRoot)
	if oldType != newType {
		c := base
		c.Kind, c.Old, c.New = FieldRetyped, oldType, newType
		return []Change{c}
	}
	o, oNull := d.oldRes.value(oldRoot)
	n, nNull := d.newRes.value(newRoot)
	d.value(base, o, n, oNull, nNull)
	d.fields(flatten(oldRoot), flatten(newRoot))
	return d.out
}

// schemaDiff gathers the changes of one schema pair.
type schemaDiff struct {
	base           Change
	writes         bool
	oldRes, newRes *resolver
	out            []Change
}

func (d *schemaDiff) add(c Change, kind ChangeKind, keyword, old, new string) {
	c.Kind, c.Keyword, c.Old, c.New = kind, keyword, old, new
	d.out = append(d.out, c)
}

// value resolves a schema and reports whether it admits null.
func (r *resolver) value(s *schema) (*schema, bool) {
	inner, wrapped := unwrapNull(s)
	t, _ := r.resolve(inner)
	if t == nil {
		return nil, false
	}
	return t, wrapped || t.has("null") || slices.ContainsFunc(t.Enum, func(v json.RawMessage) bool { return string(v) == "null" })
}

// fields compares the field rows of both documents.
func (d *schemaDiff) fields(oldRows, newRows []fieldRow) {
	newByPath := map[string]fieldRow{}
	for _, r := range newRows {
		newByPath[r.Path] = r
	}
	oldPaths := map[string]bool{}
	for _, r := range oldRows {
		oldPaths[r.Path] = true
	}
	var added []fieldRow // new fields of objects that existed before
	for _, r := range newRows {
		if !oldPaths[r.Path] && !r.Element && parentExisted(r.Path, oldPaths) {
			added = append(added, r)
		}
	}
	used := map[string]bool{}
	var gone []string // removed, renamed or retyped: their fields are not compared
	for _, o := range oldRows {
		if under(o.Path, gone) {
			continue
		}
		c := d.base
		c.Path = o.Path
		n, ok := newByPath[o.Path]
		switch {
		case o.Element:
			if ok && n.Element {
				d.value(c, o.Schema, n.Schema, false, false)
			}
		case !ok:
			gone = append(gone, o.Path)
			if to := d.renameOf(o, added, used); to != "" {
				d.add(c, FieldRenamed, "", o.Path, to)
			} else {
				d.add(c, FieldRemoved, "", "", "")
			}
		case shape(d.oldRes, o.Schema) != shape(d.newRes, n.Schema):
			gone = append(gone, o.Path)
			d.add(c, FieldRetyped, "", shape(d.oldRes, o.Schema), shape(d.newRes, n.Schema))
		default:
			if d.writes && !o.Required && n.Required {
				d.add(c, FieldRequired, "", "", "")
			}
			if !d.writes && o.Required && !n.Required {
				d.add(c, FieldOptional, "", "", "")
			}
			d.value(c, o.Schema, n.Schema, nullable(o), nullable(n))
		}
	}
	if d.writes {
		for _, n := range added {
			if n.Required && !used[n.Path] {
				c := d.base
				c.Path = n.Path
				d.add(c, FieldRequired, "", "", "")
			}
		}
	}
}

func nullable(r fieldRow) bool {
	return r.Nullable || (r.Schema != nil && r.Schema.has("null"))
}

// renameOf returns the path of the one added field beside o with the same
// schema and requiredness, or "" when there is none or more than one.
func (d *schemaDiff) renameOf(o fieldRow, added []fieldRow, used map[string]bool) string {
	want := d.signature(d.oldRes, o)
	found := ""
	for _, a := range added {
		if used[a.Path] || parentOf(a.Path) != parentOf(o.Path) || d.signature(d.newRes, a) != want {
			continue
		}
		if found != "" {
			return "" // ambiguous
		}
		found = a.Path
	}
	if found != "" {
		used[found] = true
	}
	return found
}

func (d *schemaDiff) signature(r *resolver, row fieldRow) string {
	return strings.Join([]string{shape(r, row.Schema), constraints(row.Schema), row.Def,
		boolText(row.Required), boolText(nullable(row))}, "\x00")
}

func boolText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func parentOf(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// value compares what one field (or the whole payload) admits besides its
// type: null, enum values and constraints.
func (d *schemaDiff) value(c Change, o, n *schema, oNull, nNull bool) {
	if o == nil || n == nil {
		return
	}
	switch {
	case d.writes && oNull && !nNull:
		d.add(c, NullRefused, "", "", "")
	case !d.writes && !oNull && nNull:
		d.add(c, FieldNullable, "", "", "")
	}
	oe, ne := enumValues(o), enumValues(n)
	switch {
	case d.writes && len(ne) > 0 && (len(oe) == 0 || !subset(oe, ne)):
		d.add(c, EnumNarrowed, "enum", listOr(oe, "any value"), listOr(ne, ""))
	case !d.writes && len(oe) > 0 && (len(ne) == 0 || !subset(ne, oe)):
		d.add(c, EnumWidened, "enum", listOr(oe, ""), listOr(ne, "any value"))
	}
	for _, k := range keywords(o, n) {
		tighter, looser := k.compare()
		switch {
		case d.writes && tighter:
			d.add(c, ConstraintTightened, k.name, k.oldText(), k.newText())
		case !d.writes && looser:
			d.add(c, ConstraintLoosened, k.name, k.oldText(), k.newText())
		}
	}
}

// enumValues lists the values an enum or const allows, null left out
// (nullability is compared on its own).
func enumValues(s *schema) []string {
	var out []string
	for _, v := range s.Enum {
		if t := compactJSON(v); t != "null" {
			out = append(out, t)
		}
	}
	if len(s.Const) > 0 {
		out = append(out, compactJSON(s.Const))
	}
	return out
}

func subset(a, b []string) bool {
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	return true
}

func listOr(vals []string, none string) string {
	if len(vals) == 0 {
		return none
	}
	return strings.Join(vals, ", ")
}

// keyword is one constraint in both versions; old and new are "" when
// absent.
type keyword struct {
	name     string
	old, new string
	bound    int // -1 lower bound, +1 upper bound, 0 any change tightens
}

func keywords(o, n *schema) []keyword {
	num := func(p *json.Number) string {
		if p == nil {
			return ""
		}
		return p.String()
	}
	count := func(p *int) string {
		if p == nil {
			return ""
		}
		return big.NewInt(int64(*p)).String()
	}
	flag := func(b bool) string {
		if b {
			return "true"
		}
		return ""
	}
	return []keyword{
		{"minimum", num(o.Minimum), num(n.Minimum), -1},
		{"exclusiveMinimum", num(o.ExclusiveMinimum), num(n.ExclusiveMinimum), -1},
		{"maximum", num(o.Maximum), num(n.Maximum), 1},
		{"exclusiveMaximum", num(o.ExclusiveMaximum), num(n.ExclusiveMaximum), 1},
		{"minLength", count(o.MinLength), count(n.MinLength), -1},
		{"maxLength", count(o.MaxLength), count(n.MaxLength), 1},
		{"minItems", count(o.MinItems), count(n.MinItems), -1},
		{"maxItems", count(o.MaxItems), count(n.MaxItems), 1},
		{"multipleOf", num(o.MultipleOf), num(n.MultipleOf), 0},
		{"pattern", o.Pattern, n.Pattern, 0},
		{"format", o.Format, n.Format, 0},
		{"uniqueItems", flag(o.UniqueItems), flag(n.UniqueItems), 0},
		{"additionalProperties", closedText(o), closedText(n), 0},
	}
}

// closedText is "false" for an object that refuses unknown properties.
func closedText(s *schema) string {
	if a := s.AdditionalProperties; a != nil && a.Bool != nil && !*a.Bool {
		return "false"
	}
	return ""
}

// compare says whether the new constraint admits less (tighter) or more
// (looser) than the old one. A changed pattern or format is both: neither
// side can be proved to contain the other.
func (k keyword) compare() (tighter, looser bool) {
	switch {
	case k.old == k.new:
		return false, false
	case k.old == "":
		return true, false
	case k.new == "":
		return false, true
	case k.bound == 0:
		return true, true
	}
	o, ok1 := new(big.Rat).SetString(k.old)
	n, ok2 := new(big.Rat).SetString(k.new)
	if !ok1 || !ok2 {
		return true, true
	}
	cmp := n.Cmp(o) * -k.bound // > 0: the new bound admits less
	return cmp > 0, cmp < 0
}

func (k keyword) oldText() string { return orNone(k.old) }
func (k keyword) newText() string { return orNone(k.new) }

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// sameSchema reports whether two schema documents are the same (nil
// equals nil).
func sameSchema(a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return compactJSON(a) == compactJSON(b)
}

// shape names the JSON types a schema allows, for comparison: "integer"
// and "number" are kept apart, a list of types is sorted, lists and maps
// carry the shape of their elements ("array<string>"), and null is left
// out (nullability is compared on its own). Objects are compared field by
// field, so their shape is just "object".
func shape(r *resolver, s *schema) string {
	return shapeDepth(r, s, 0)
}

func shapeDepth(r *resolver, s *schema, depth int) string {
	s, _ = unwrapNull(s)
	s, _ = r.resolve(s)
	if s == nil || s.Bool != nil || depth > 8 {
		return "any"
	}
	if s.Binary {
		return "binary" // an attachment: neither a string nor anything else
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
	var ts []string
	for _, t := range s.Types {
		switch {
		case t == "null" && len(s.Types) > 1:
			continue
		case t == "array" && s.Items != nil:
			t = "array<" + shapeDepth(r, s.Items, depth+1) + ">"
		case t == "object" && len(s.Properties) == 0 && s.AdditionalProperties != nil && s.AdditionalProperties.Bool == nil:
			t = "map<" + shapeDepth(r, s.AdditionalProperties, depth+1) + ">"
		}
		ts = append(ts, t)
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
