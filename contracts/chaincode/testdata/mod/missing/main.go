// Command missing imports a module that is in no cache.
package main

import "example.com/absent" // want CC-NONSTD-LIB

var runs int

func main() { absent.Run() } // want CC-NOT-ANALYSED

// Count writes a package-level variable and needs nothing absent.
func Count() int {
	runs++ // want CC-GLOBAL-STATE
	return runs
}
