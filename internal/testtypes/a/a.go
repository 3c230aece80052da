// Package a declares a type whose name clashes with one in package b, for
// schema tests.
package a

// Author has the same name as b.Author but another shape.
type Author struct {
	Name string `json:"name"`
}
