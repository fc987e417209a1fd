// Command missing imports a module that is in no cache.
package main

import "example.com/absent"

func main() { absent.Run() }
