package compliance

import "errors"

// ErrCatalogue means a catalogue file is malformed.
var ErrCatalogue = errors.New("compliance catalogue")
