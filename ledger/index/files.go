package index

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/fb"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/badger/v4/y"
	"github.com/dgraph-io/ristretto/v2"
	"github.com/dgraph-io/ristretto/v2/z"
)

// Badger trusts its files at Open. It opens every table in goroutines of
// its own, where a panic on a truncated or overwritten table (a slice
// out of range while parsing the footer) kills the process with no way
// to recover; it deletes table files a cut-short MANIFEST no longer
// lists; and it cuts replayed logs at their first bad entry. checkFiles
// reads the same files first, in the caller's goroutine, and reports
// each damaged one by name instead.

// fileCheck says how much checkFiles reads.
type fileCheck struct {
	// blocks verifies the checksum of every block of every table, not
	// only the index and last block that badger reads at Open.
	blocks bool
	// allLogs walks every value log, not only the newest, which badger
	// replays at Open.
	allLogs bool
	// verified holds tables whose blocks need no verifying again.
	verified verifiedTables
}

// fileCount counts the files checkFiles read.
type fileCount struct {
	tables, logs int
	ids          []uint64 // the tables the MANIFEST lists
}

// dirFiles is the index directory's listing, by kind.
type dirFiles struct {
	manifest bool
	tables   map[uint64]bool
	vlogs    []uint32 // ascending
	mems     []string
}

func listDir(dir string) (dirFiles, error) {
	f := dirFiles{tables: map[uint64]bool{}}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return f, err
	}
	for _, e := range ents {
		name := e.Name()
		switch {
		case name == badger.ManifestFilename:
			f.manifest = true
		case strings.HasSuffix(name, ".sst"):
			if id, ok := table.ParseFileID(name); ok {
				f.tables[id] = true
			}
		case strings.HasSuffix(name, ".vlog"):
			if id, err := strconv.ParseUint(strings.TrimSuffix(name, ".vlog"), 10, 32); err == nil {
				f.vlogs = append(f.vlogs, uint32(id))
			}
		case strings.HasSuffix(name, ".mem"):
			f.mems = append(f.mems, name)
		}
	}
	slices.Sort(f.vlogs)
	return f, nil
}

func vlogName(fid uint32) string { return fmt.Sprintf("%06d.vlog", fid) }

// checkFiles checks the index files in dir, calling found for each
// damaged one until found returns false. Its error is for a check that
// could not run (I/O, the wrong encryption key), not for damage.
func checkFiles(dir string, o Options, c fileCheck, found func(Damage) bool) (fileCount, error) {
	var n fileCount
	files, err := listDir(dir)
	if err != nil {
		return n, err
	}
	keys, d, err := openKeys(dir, o)
	if err != nil || d != nil {
		if d != nil {
			found(*d)
		}
		return n, err
	}
	defer keys.Close()

	m, d, err := readManifest(dir, files)
	if err != nil || d != nil {
		if d != nil {
			found(*d)
		}
		return n, err
	}
	tc := &tableCheck{keys: keys}
	defer tc.close()
	ids := make([]uint64, 0, len(m.Tables))
	for id := range m.Tables {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	n.ids = ids
	for _, id := range ids {
		path := table.NewFilename(id, dir)
		name := filepath.Base(path)
		var d *Damage
		if files.tables[id] {
			n.tables++
			d = tc.check(path, m.Tables[id], c.blocks && !c.verified.trusted(id, path))
		} else {
			d = &Damage{Kind: DamageMissing, Err: errors.New("the MANIFEST lists this table but the file is gone")}
		}
		if d != nil {
			d.File = name
			if !found(*d) {
				return n, nil
			}
		}
	}
	// Badger deletes table files the MANIFEST does not list. A crash
	// between writing a table and recording it leaves such a file, and
	// the write-ahead log or the tables it was compacted from still hold
	// its data. With no write-ahead log left (the index was closed
	// cleanly), or with the MANIFEST's last record cut short, the file is
	// more likely all that is left of a MANIFEST record lost to damage.
	var unlisted []string
	for _, id := range slices.Sorted(maps.Keys(files.tables)) {
		if _, ok := m.Tables[id]; !ok {
			unlisted = append(unlisted, filepath.Base(table.NewFilename(id, dir)))
		}
	}
	if len(unlisted) > 0 && (m.torn || len(files.mems) == 0) {
		why := "no crash explains that"
		if m.torn {
			why = fmt.Sprintf("it is cut short at byte %d of %d", m.end, m.size)
		}
		if !found(Damage{File: badger.ManifestFilename, Kind: DamageUnlisted, Err: fmt.Errorf(
			"it does not list table files %s, and %s: badger would delete them at Open", strings.Join(unlisted, ", "), why)}) {
			return n, nil
		}
	}

	logs := slices.Clone(files.mems)
	for i, fid := range files.vlogs {
		if c.allLogs || i == len(files.vlogs)-1 {
			logs = append(logs, vlogName(fid))
		}
	}
	for _, name := range logs {
		n.logs++
		if d := checkLog(filepath.Join(dir, name), keys); d != nil {
			d.File = name
			if !found(*d) {
				return n, nil
			}
		}
	}
	return n, nil
}

// openKeys opens the key registry read-only. A wrong key is an error; a
// registry that does not parse is damage.
func openKeys(dir string, o Options) (kr *badger.KeyRegistry, d *Damage, err error) {
	defer func() {
		if r := recover(); r != nil {
			kr, d, err = nil, &Damage{File: badger.KeyRegistryFileName, Kind: DamageUnreadable, Err: panicError(r)}, nil
		}
	}()
	kr, err = badger.OpenKeyRegistry(badger.KeyRegistryOptions{
		Dir: dir, ReadOnly: true, EncryptionKey: o.EncryptionKey,
		EncryptionKeyRotationDuration: badger.DefaultOptions("").EncryptionKeyRotationDuration,
	})
	switch {
	case err == nil:
		return kr, nil, nil
	case errors.Is(err, badger.ErrEncryptionKeyMismatch), errors.Is(err, fs.ErrPermission):
		return nil, nil, err
	}
	return nil, &Damage{File: badger.KeyRegistryFileName, Kind: DamageUnreadable, Err: err}, nil
}

// manifest is a replayed MANIFEST.
type manifest struct {
	badger.Manifest
	// torn is set when the MANIFEST ends inside a record: size bytes,
	// of which the records fill end.
	torn      bool
	end, size int64
}

// readManifest replays the MANIFEST as badger will.
func readManifest(dir string, files dirFiles) (m manifest, d *Damage, err error) {
	if !files.manifest {
		if len(files.tables) > 0 {
			return m, &Damage{File: badger.ManifestFilename, Kind: DamageMissing, Err: fmt.Errorf(
				"the MANIFEST is gone but %d table files remain: badger would start an empty index and delete them", len(files.tables))}, nil
		}
		m.Tables = map[uint64]badger.TableManifest{} // a new index
		return m, nil, nil
	}
	f, err := os.Open(filepath.Join(dir, badger.ManifestFilename))
	if err != nil {
		return m, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return m, nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			d = &Damage{File: badger.ManifestFilename, Kind: DamageUnreadable, Err: panicError(r)}
		}
	}()
	bm, end, err := badger.ReplayManifestFile(f, 0, badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		kind := DamageUnreadable
		if strings.Contains(err.Error(), "checksum") {
			kind = DamageChecksum
		}
		return m, &Damage{File: badger.ManifestFilename, Kind: kind, Err: err}, nil
	}
	return manifest{Manifest: bm, torn: end < st.Size(), end: end, size: st.Size()}, nil, nil
}

// tableCheck opens tables as badger does.
type tableCheck struct {
	keys  *badger.KeyRegistry
	cache *ristretto.Cache[uint64, *fb.TableIndex] // for encrypted tables
}

func (tc *tableCheck) close() {
	if tc.cache != nil {
		tc.cache.Close()
	}
}

// check opens the table at path with badger's table package, in this
// goroutine, and with blocks verifies every block's checksum.
func (tc *tableCheck) check(path string, tm badger.TableManifest, blocks bool) (d *Damage) {
	st, err := os.Stat(path)
	if err != nil {
		return &Damage{Kind: DamageUnreadable, Err: err}
	}
	if st.Size() == 0 {
		return &Damage{Kind: DamageUnreadable, Err: errors.New("the file is empty")}
	}
	dk, err := tc.keys.DataKey(tm.KeyID)
	if err != nil {
		return &Damage{Kind: DamageUnreadable, Err: fmt.Errorf("encryption key %d: %w", tm.KeyID, err)}
	}
	opts := table.Options{
		ReadOnly: true, ChkMode: options.NoVerification, BlockSize: 4 << 10,
		Compression: tm.Compression, DataKey: dk,
	}
	if dk != nil {
		if tc.cache == nil {
			if tc.cache, err = ristretto.NewCache(&ristretto.Config[uint64, *fb.TableIndex]{
				NumCounters: 1 << 12, MaxCost: 16 << 20, BufferItems: 64,
			}); err != nil {
				return &Damage{Kind: DamageUnreadable, Err: err}
			}
		}
		opts.IndexCache = tc.cache
	}
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		return &Damage{Kind: DamageUnreadable, Err: err}
	}
	var first, last []byte
	defer func() {
		if r := recover(); r != nil {
			d = &Damage{Kind: DamageUnreadable, First: first, Last: last, Err: panicError(r)}
			if first == nil {
				d.Err = fmt.Errorf("its footer does not parse: the file is truncated or overwritten (%w)", d.Err)
			} else {
				d.Kind = DamageChecksum // the footer parsed; a block did not
			}
		}
		_ = mf.Close(-1)
	}()
	t, err := table.OpenTable(mf, opts)
	if err != nil {
		kind := DamageUnreadable
		if strings.Contains(err.Error(), "checksum") {
			kind = DamageChecksum
		}
		return &Damage{Kind: kind, Err: badgerError(err)}
	}
	first, last = y.ParseKey(t.Smallest()), y.ParseKey(t.Biggest())
	if blocks {
		if err := t.VerifyChecksum(); err != nil {
			return &Damage{Kind: DamageChecksum, First: first, Last: last, Err: badgerError(err)}
		}
	}
	return nil
}

// checkLog walks a value log or write-ahead log file.
func checkLog(path string, keys *badger.KeyRegistry) *Damage {
	st, err := os.Stat(path)
	if err != nil {
		return &Damage{Kind: DamageUnreadable, Err: err}
	}
	if st.Size() == 0 {
		return nil
	}
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		return &Damage{Kind: DamageUnreadable, Err: err}
	}
	defer mf.Close(-1)
	keyID, err := walkLog(mf.Data)
	var ld *logDamage
	switch {
	case errors.As(err, &ld):
		return &Damage{Kind: ld.kind, Err: ld}
	case err != nil:
		return &Damage{Kind: DamageUnreadable, Err: err}
	}
	if _, err := keys.DataKey(keyID); err != nil {
		return &Damage{Kind: DamageUnreadable, Err: fmt.Errorf("its header names encryption key %d, which the key registry does not hold (overwritten)", keyID)}
	}
	return nil
}
