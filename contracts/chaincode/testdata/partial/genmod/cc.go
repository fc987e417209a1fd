// Package genmod is a module whose package type-checks, with a generated
// file beside its code: the generated file is not analysed.
package genmod

var hits int

// Hit writes a package-level variable.
func Hit() int {
	hits++ // want CC-GLOBAL-STATE
	return hits + fakeHits()
}
