package fisconet

import "errors"

// ErrBadOptions means Options failed validation.
var ErrBadOptions = errors.New("invalid fiscochain options")

// ErrExited means the fiscochain process exited before it was ready.
var ErrExited = errors.New("fiscochain exited")
