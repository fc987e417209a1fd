package pgkv

import "errors"

var (
	// ErrConfig is wrapped by the errors of Config.Validate.
	ErrConfig = errors.New("pgkv: invalid configuration")
	// ErrSchemaNewer is returned by Open for a database whose schema a
	// newer Lianjian wrote.
	ErrSchemaNewer = errors.New("pgkv: database schema is newer than this binary")
	// ErrNoSchema is returned by Open with Config.MustExist for a
	// database Lianjian has not set up.
	ErrNoSchema = errors.New("pgkv: the database holds no Lianjian index")
	// ErrConflict is returned by Update when its transaction still
	// conflicts with concurrent ones after every retry.
	ErrConflict = errors.New("pgkv: transaction conflict persisted after retries")
)
