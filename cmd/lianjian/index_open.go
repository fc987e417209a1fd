package main

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/storage/pgkv"
)

// openForCLI loads the config of c and opens its index for a command
// (see openIndexCLI).
func openForCLI(e *env, c *common, l lang, use indexUse) (*index.DB, error) {
	cfg, err := c.load(e)
	if err != nil {
		return nil, err
	}
	return openIndexCLI(cfg, l, nil, use)
}

// indexUse says what a command does with the index.
type indexUse int

const (
	readIndex   indexUse = iota // reads it; it must exist
	updateIndex                 // writes it; it must exist
	createIndex                 // writes it, creating it when missing
)

// storeName is the DSN without its credentials and parameters, to name a
// PostgreSQL store in messages.
func storeName(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "PostgreSQL"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// noIndexError is the error of a command that needs an index where there
// is none: it says, in the command's language, how to make one.
type noIndexError struct {
	dir  string
	lang lang
}

func (e *noIndexError) Error() string {
	return fmt.Sprintf(cmp.Or(helpTexts[e.lang]["noindex"], helpTexts[report.LangZH]["noindex"]), e.dir)
}

// needIndex returns a *noIndexError when dir holds no index.
func needIndex(dir string, l lang) error {
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); errors.Is(err, fs.ErrNotExist) {
		return &noIndexError{dir: dir, lang: l}
	}
	return nil
}

// openIndexCLI is how every command opens the index: it refuses to create
// one unless use is createIndex, saying in l how to make one, and adds a
// hint when another process holds it; any other error (a damaged file)
// is returned as the index reports it. log may be nil.
func openIndexCLI(cfg *Config, l lang, log *slog.Logger, use indexUse) (*index.DB, error) {
	if use != createIndex && cfg.Index.Store == "" {
		if err := needIndex(cfg.DataDir, l); err != nil {
			return nil, err
		}
	}
	// Readers open it for writing too: an index a crash left with an
	// unreplayed write-ahead log opens only so (badger refuses a
	// read-only open), and needIndex (or, in PostgreSQL, mustExist) made
	// sure nothing is created.
	db, err := cfg.openIndex(log, false, use != createIndex)
	if errors.Is(err, pgkv.ErrNoSchema) {
		return nil, &noIndexError{dir: storeName(cfg.Index.Store), lang: l}
	}
	if errors.Is(err, index.ErrLocked) {
		return nil, fmt.Errorf("%w (is 'lianjian serve' running on this data dir? use the API instead)", err)
	}
	if fe := (*index.FormatError)(nil); errors.As(err, &fe) {
		return nil, &formatError{fe: fe, lang: l}
	}
	return db, err
}

// formatError is the error of a command on an index written in another
// record format: it says, in the command's language, what to do.
type formatError struct {
	fe   *index.FormatError
	lang lang
}

func (e *formatError) Error() string {
	name := "oldformat"
	if e.fe.Have > e.fe.Want {
		name = "newformat"
	}
	return fmt.Sprintf(cmp.Or(helpTexts[e.lang][name], helpTexts[report.LangZH][name]), e.fe.Dir, e.fe.Have, e.fe.Want)
}

// Unwrap returns the index's error.
func (e *formatError) Unwrap() error { return e.fe }
