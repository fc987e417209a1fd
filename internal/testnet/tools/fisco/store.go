package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// store appends blocks, one JSON line each, to DATADIR/chain.jsonl. The
// first line is the chain's identity (meta). A process killed mid-write
// leaves at most one torn last line, which open drops.
type store struct {
	f *os.File
	w *bufio.Writer
}

// meta identifies a chain; a restarted process must be given the same.
type meta struct {
	Format    string `json:"format"`
	V3        bool   `json:"v3"`
	GM        bool   `json:"gm"`
	Seed      string `json:"seed"`
	ChainID   string `json:"chainID"`
	Group     string `json:"group"`
	Sealers   int    `json:"sealers"`
	Observers int    `json:"observers"`
}

var errMeta = errors.New("data directory holds a different chain")

// openStore opens (creating) the data directory and returns the blocks
// already stored.
func openStore(dir string, m meta) (*store, []*Block, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	path := filepath.Join(dir, "chain.jsonl")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	want, _ := json.Marshal(m)
	var blocks []*Block
	good := 0 // bytes of complete lines
	for i := 0; good < len(data); i++ {
		nl := bytes.IndexByte(data[good:], '\n')
		if nl < 0 {
			break // torn last line
		}
		line := data[good : good+nl]
		if i == 0 {
			if !bytes.Equal(line, want) {
				f.Close()
				return nil, nil, fmt.Errorf("%w: have %s want %s", errMeta, line, want)
			}
		} else {
			b := new(Block)
			if err := json.Unmarshal(line, b); err != nil {
				break
			}
			if b.Number != int64(len(blocks)) {
				f.Close()
				return nil, nil, fmt.Errorf("block %d stored at line %d", b.Number, i)
			}
			blocks = append(blocks, b)
		}
		good += nl + 1
	}
	if err := f.Truncate(int64(good)); err != nil {
		f.Close()
		return nil, nil, err
	}
	if _, err := f.Seek(int64(good), io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	s := &store{f: f, w: bufio.NewWriterSize(f, 1<<20)}
	if good == 0 {
		s.w.Write(append(want, '\n'))
	}
	return s, blocks, nil
}

// append writes a block; flush makes it durable against a process kill.
func (s *store) append(b *Block) error {
	line, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = s.w.Write(append(line, '\n'))
	return err
}

func (s *store) flush() error { return s.w.Flush() }

func (s *store) close() error {
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
