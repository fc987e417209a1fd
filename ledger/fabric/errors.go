package fabric

import (
	"errors"
	"fmt"

	"github.com/lianjian/lianjian/ledger"
)

// Sentinel errors of the package. ErrMalformed and ErrCorrupt also match
// ledger.ErrInvalid.
var (
	// ErrMalformed reports bytes that do not decode as the Fabric structure
	// they claim to be.
	ErrMalformed error = invalidError("malformed")
	// ErrCorrupt reports a truncated or corrupt ledger file.
	ErrCorrupt error = invalidError("corrupt")
	// ErrUnknownLayout reports a path that holds neither blockfiles nor
	// .block files.
	ErrUnknownLayout = errors.New("no fabric ledger files found")
	// ErrEmptyFile reports a zero-byte blockfile in a ledger directory:
	// Fabric never leaves one behind a block it has written, so the
	// blocks it held were removed.
	ErrEmptyFile error = invalidError("empty blockfile")
	// ErrNoRaw reports a block whose raw bytes were not kept.
	ErrNoRaw = errors.New("block has no raw bytes")
	// ErrHashAlgorithm reports an unsupported header hash algorithm.
	ErrHashAlgorithm = errors.New("unsupported hash algorithm")
	// ErrCustomValidation reports a chaincode validated by a plugin other
	// than Fabric's built-in one, whose rules are not known.
	ErrCustomValidation = errors.New("custom validation plugin")
	// ErrNoConfigUpdate reports a CONFIG transaction that carries no
	// config update (a genesis config).
	ErrNoConfigUpdate = errors.New("config transaction carries no config update")
)

// invalidError is a sentinel that also matches ledger.ErrInvalid.
type invalidError string

// Error implements error.
func (e invalidError) Error() string { return string(e) }

// Is makes the sentinel match ledger.ErrInvalid.
func (e invalidError) Is(target error) bool { return target == ledger.ErrInvalid }

// FileError locates a problem in a ledger file.
type FileError struct {
	File   string // path of the file
	Offset int64  // byte offset in File where the problem was found
	Err    error  // what was wrong; wraps ErrCorrupt for bad content
}

// Error implements error.
func (e *FileError) Error() string {
	return fmt.Sprintf("%s at offset %d: %v", e.File, e.Offset, e.Err)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }
