package geth

import "errors"

// ErrBadOptions means Options failed validation.
var ErrBadOptions = errors.New("invalid geth options")
