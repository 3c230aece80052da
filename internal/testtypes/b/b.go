// Package b declares a type whose name clashes with one in package a, for
// schema tests.
package b

// Author has the same name as a.Author but another shape.
type Author struct {
	ID int `json:"id"`
}
