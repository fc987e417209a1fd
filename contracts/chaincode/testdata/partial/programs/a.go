// Command a is one of two programs in one directory.
package main

import "time"

var started time.Time

func main() { started = time.Now() } // want CC-GLOBAL-STATE CC-SYSTEM-TIME

// Tick writes a package-level variable.
func Tick() { started = started.Add(time.Second) } // want CC-GLOBAL-STATE
