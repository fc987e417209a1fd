// Command b is the other program.
package main

import "math/rand"

var seed int

func main() { seed = rand.Int() } // want CC-GLOBAL-STATE CC-RANDOM

// Reseed writes a package-level variable.
func Reseed() { seed++ } // want CC-GLOBAL-STATE
