package index

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/dgraph-io/badger/v4/table"
)

// Verifying every block of every table costs about 5 s per GB of tables
// (TestOpenCost), too much for each command's Open. Tables never change
// once written, so Open verifies each table once and records it in
// verifiedFile with the file's size and change times; a table whose
// stamp still matches is not read again. Tables this process wrote
// itself are recorded at Close. Any write to a table file (truncation, a
// flipped byte, a restore from backup) changes its stamp and makes Open
// verify it again; damage that changes no metadata (bit rot) is left to
// 'index check', which ignores the record.
const verifiedFile = "lianjian-verified-tables.json"

// stamp identifies one version of a file: its size, modification time
// and, where the system has one, inode change time, which no copy can
// set.
type stamp struct {
	Size  int64 `json:"size"`
	MTime int64 `json:"mtime"`
	CTime int64 `json:"ctime,omitempty"`
}

func stampOf(path string) (stamp, error) {
	st, err := os.Stat(path)
	if err != nil {
		return stamp{}, err
	}
	return stamp{Size: st.Size(), MTime: st.ModTime().UnixNano(), CTime: changeTime(st)}, nil
}

// verifiedTables maps table ids to the stamps they were verified with.
type verifiedTables map[uint64]stamp

// readVerified reads the record; a missing or unreadable one is empty.
func readVerified(dir string) verifiedTables {
	b, err := os.ReadFile(filepath.Join(dir, verifiedFile))
	if err != nil {
		return verifiedTables{}
	}
	var rec struct {
		Tables map[string]stamp `json:"tables"`
	}
	if json.Unmarshal(b, &rec) != nil {
		return verifiedTables{}
	}
	v := verifiedTables{}
	for k, s := range rec.Tables {
		if id, err := strconv.ParseUint(k, 10, 64); err == nil {
			v[id] = s
		}
	}
	return v
}

// trusted reports whether table id at path was verified as it is now.
func (v verifiedTables) trusted(id uint64, path string) bool {
	s, ok := v[id]
	if !ok {
		return false
	}
	now, err := stampOf(path)
	return err == nil && now == s
}

// writeVerified records the tables ids of dir as verified, with their
// current stamps, replacing the record atomically.
func writeVerified(dir string, ids []uint64) error {
	rec := struct {
		Tables map[string]stamp `json:"tables"`
	}{map[string]stamp{}}
	for _, id := range ids {
		s, err := stampOf(table.NewFilename(id, dir))
		if errors.Is(err, fs.ErrNotExist) {
			continue // compacted away
		}
		if err != nil {
			return err
		}
		rec.Tables[strconv.FormatUint(id, 10)] = s
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, verifiedFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, verifiedFile))
}
