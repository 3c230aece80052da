package schema

import (
	"reflect"
	"strings"
)

// jsonField is one field of a struct as encoding/json writes it.
type jsonField struct {
	name  string
	field reflect.StructField // the Go field (of an embedded struct, for promoted fields)
	// omit is set for omitempty and omitzero: encoding/json may leave the
	// field out, so the schema makes it optional.
	omit bool
}

// jsonFields lists the fields encoding/json encodes for struct type t, with
// the fields of embedded structs without a json name promoted, as
// encoding/json does (a shallower field hides a deeper one of the same
// name; ties at one depth hide both).
func jsonFields(t reflect.Type) []jsonField {
	type candidate struct {
		jsonField
		depth int
	}
	var all []candidate
	var walk func(t reflect.Type, depth int, visiting map[reflect.Type]bool)
	walk = func(t reflect.Type, depth int, visiting map[reflect.Type]bool) {
		if visiting[t] {
			return
		}
		visiting[t] = true
		defer delete(visiting, t)
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				walk(ft, depth+1, visiting)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			omit := hasOption(opts, "omitempty") || hasOption(opts, "omitzero")
			all = append(all, candidate{jsonField{name: name, field: f, omit: omit}, depth})
		}
	}
	walk(t, 0, map[reflect.Type]bool{})

	best := map[string]int{} // name → shallowest depth
	count := map[[2]any]int{}
	for _, c := range all {
		if d, ok := best[c.name]; !ok || c.depth < d {
			best[c.name] = c.depth
		}
		count[[2]any{c.name, c.depth}]++
	}
	var out []jsonField
	for _, c := range all {
		if best[c.name] == c.depth && count[[2]any{c.name, c.depth}] == 1 {
			out = append(out, c.jsonField)
		}
	}
	return out
}

// hasOption reports whether the comma-separated options of a json tag
// contain opt.
func hasOption(opts, opt string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == opt {
			return true
		}
	}
	return false
}
