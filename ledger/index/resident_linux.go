package index

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Badger maps its tables and value logs into the process and reads them
// through the mapping, with no option to read them with pread instead.
// Every page an import or a compaction writes, and every page a reader
// touches, then stays in the process's resident set until the kernel
// needs the memory: a ledger of 1 M transactions left gigabytes of
// table pages counted in the RSS of `lianjian ingest`, though the
// kernel could drop each of them at any time.
//
// The index therefore watches the file-backed part of its process's
// resident set (RssFile in /proc/self/status, which holds the program's
// own text too) and, when it exceeds the budget, asks the kernel with
// madvise(MADV_PAGEOUT) to take back the pages of the index's mapped
// tables and value logs. The data is not touched: a clean page is
// dropped, a dirty one written back first, and the next read faults it
// in again (badger's block cache keeps the blocks read most). The
// index and bloom filter at the end of each table stay: every lookup in
// the table reads them, so paging them out made a loaded API read them
// back from disk on nearly every request. The write-ahead logs (.mem),
// rewritten as they fill, are left alone.
//
// Before paging a span out the watcher marks it MADV_RANDOM when no new
// table has appeared for quietAfterWrite, so that a read faulting a
// page back reads that page, not the 128 KiB the kernel reads around a
// fault in a mapping by default. Point reads land on random pages: the
// pages read around them filled the budget with neighbours no read
// wanted, which made the watcher page everything out again sooner.
// With it, the API over 1 M transactions (docs/benchmarks.md,
// 2026-12-07) served tx-by-id at a lower p99 with the same budget. While
// tables are being written, compactions read whole tables, for which
// the read-around is right: an import of 200,000 transactions with every
// table marked took 100 times the major faults and up to 13% more CPU.
// So while new tables appear the watcher sets the spans back to
// MADV_NORMAL.
//
// This advice is safe even when a mapping listed in /proc/self/maps is
// gone by the time of the call and its addresses reused: on anonymous
// memory MADV_RANDOM and MADV_NORMAL only change swap read-ahead, and
// MADV_PAGEOUT only pages out to swap, and with no swap does nothing.
// On a kernel without MADV_PAGEOUT (before Linux 5.4) the call fails and
// the watcher stops.

// residentCheck is how often the watcher reads the resident set.
const residentCheck = 200 * time.Millisecond

// quietAfterWrite is how long after a new table last appeared the
// watcher marks table data for random reads.
const quietAfterWrite = 30 * time.Second

// tableWatch is what the watcher keeps between rounds.
type tableWatch struct {
	dataLen map[string]int64 // data length of each table seen
	scanned bool             // a round ran: tables met later are new
	lastNew time.Time        // when a new table was last met
}

// watchResident trims the mapped files of the index in dir whenever the
// process's file-backed resident set exceeds budget bytes, until stop is
// closed; it returns a channel closed when it has stopped.
func watchResident(dir string, budget int64, stop <-chan struct{}) <-chan struct{} {
	done := make(chan struct{})
	// /proc/self/maps names files by their real path.
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil || budget <= 0 {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		w := &tableWatch{dataLen: map[string]int64{}}
		t := time.NewTicker(residentCheck)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if rss, ok := fileRSS(); ok && rss > budget {
				if err := pageOutMapped(abs, w, time.Now()); err != nil {
					return
				}
			}
		}
	}()
	return done
}

// fileRSS is the file-backed resident set of the process, in bytes.
func fileRSS() (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	_, rest, ok := bytes.Cut(b, []byte("\nRssFile:"))
	if !ok {
		return 0, false
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) != 2 || f[1] != "kB" {
		return 0, false
	}
	kb, err := strconv.ParseInt(f[0], 10, 64)
	return kb << 10, err == nil
}

// pageOutMapped pages out the mappings of the tables and value logs
// under dir: of a table only its data blocks, not the index and bloom
// filter at its end, which every lookup in it reads (badger reads them
// through the mapping too). Each span is first marked MADV_RANDOM, or
// MADV_NORMAL within quietAfterWrite of now after a new table appeared;
// a table whose data length is not known yet is not marked. w is
// updated. An error means the kernel refuses the advice.
func pageOutMapped(dir string, w *tableWatch, now time.Time) error {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil
	}
	type span struct {
		s    [2]uintptr
		mark bool
	}
	var spans []span
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		s, off, path, ok := indexMapping(line, dir)
		if !ok {
			continue
		}
		mark := true
		if strings.HasSuffix(path, ".sst") {
			n, known := w.dataLen[path]
			if !known {
				// A table being written reads as none: measured again
				// next time, paged out whole (and not marked) until then.
				if n = tableDataLen(path); n > 0 {
					w.dataLen[path] = n
					if w.scanned {
						w.lastNew = now
					}
				}
			}
			seen[path] = true
			mark = n > 0
			// The span maps the file from off: MADV_RANDOM splits a
			// table's mapping where its data blocks end, and the
			// mapping of the index part starts at that offset.
			if data := n - int64(off); n > 0 && data <= 0 {
				s[1] = s[0]
			} else if end := s[0] + uintptr(data)&^(pageSize-1); n > 0 && end < s[1] {
				s[1] = end
			}
		}
		if s[1] > s[0] {
			spans = append(spans, span{s, mark})
		}
	}
	f.Close()
	for path := range w.dataLen {
		if !seen[path] {
			delete(w.dataLen, path) // compacted away
		}
	}
	w.scanned = true
	advice := uintptr(unix.MADV_RANDOM)
	if !w.lastNew.IsZero() && now.Sub(w.lastNew) < quietAfterWrite {
		advice = unix.MADV_NORMAL
	}
	for _, sp := range spans {
		s := sp.s
		if sp.mark {
			if _, _, errno := unix.Syscall(unix.SYS_MADVISE, s[0], s[1]-s[0], advice); errno == unix.EINVAL {
				return errno
			}
		}
		_, _, errno := unix.Syscall(unix.SYS_MADVISE, s[0], s[1]-s[0], unix.MADV_PAGEOUT)
		if errno == unix.EINVAL || errno == unix.ENOSYS {
			return errno
		}
	}
	return nil
}

const pageSize = 4096

// tableDataLen is the length of the data blocks at the start of the
// badger table at path, which ends with its index, the index's length,
// a checksum of the index and the checksum's length (both lengths 4
// bytes, big-endian); 0 when the file does not read as that.
func tableDataLen(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	size := st.Size()
	var b [4]byte
	if _, err := f.ReadAt(b[:], size-4); err != nil {
		return 0
	}
	// An empty checksum is a table still being written (badger
	// creates it at its full size, zero-filled, and copies it in).
	sumLen := int64(binary.BigEndian.Uint32(b[:]))
	if sumLen == 0 || sumLen > size-8 {
		return 0
	}
	if _, err := f.ReadAt(b[:], size-4-sumLen-4); err != nil {
		return 0
	}
	indexLen := int64(binary.BigEndian.Uint32(b[:]))
	n := size - 8 - sumLen - indexLen
	if n <= 0 {
		return 0
	}
	return n
}

// indexMapping parses a line of /proc/self/maps ("start-end perms offset
// dev inode path", the path last, possibly with spaces, and the only
// field holding a slash) and returns the span, the file offset it maps
// from and the path when it maps a table or value log of the index in
// dir.
func indexMapping(line, dir string) (span [2]uintptr, off uint64, path string, ok bool) {
	i := strings.IndexByte(line, '/')
	if i < 0 {
		return span, 0, "", false
	}
	path = line[i:]
	if filepath.Dir(path) != dir || !(strings.HasSuffix(path, ".sst") || strings.HasSuffix(path, ".vlog")) {
		return span, 0, "", false
	}
	fields := strings.Fields(line[:i])
	if len(fields) < 3 {
		return span, 0, "", false
	}
	lo, hi, ok := strings.Cut(fields[0], "-")
	if !ok {
		return span, 0, "", false
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	off, err3 := strconv.ParseUint(fields[2], 16, 64)
	if err1 != nil || err2 != nil || err3 != nil || end <= start {
		return span, 0, "", false
	}
	return [2]uintptr{uintptr(start), uintptr(end)}, off, path, true
}
