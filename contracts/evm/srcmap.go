package evm

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/lianjian/lianjian/contracts"
)

// SourceRange is one decoded solc source-map entry: the byte range of the
// source that produced an instruction.
type SourceRange struct {
	Start  int
	Length int
	File   int  // index into the compiler's source list, -1 for generated code
	Jump   byte // 'i' into a function, 'o' out of one, '-' plain
}

// SourceMap is a decoded solc source map with one entry per instruction,
// in instruction order.
type SourceMap []SourceRange

// ParseSourceMap decodes solc's compressed "s:l:f:j;…" source-map format,
// where empty fields repeat the previous entry's value.
func ParseSourceMap(s string) (SourceMap, error) {
	if s == "" {
		return nil, nil
	}
	entries := strings.Split(s, ";")
	out := make(SourceMap, 0, len(entries))
	prev := SourceRange{File: -1, Jump: '-'}
	for i, e := range entries {
		cur := prev
		fields := strings.Split(e, ":")
		if len(fields) > 5 {
			return nil, fmt.Errorf("%w: entry %d has %d fields", ErrBadSourceMap, i, len(fields))
		}
		for k, f := range fields {
			if f == "" {
				continue
			}
			if k == 3 {
				if len(f) != 1 || !strings.Contains("io-", f) {
					return nil, fmt.Errorf("%w: entry %d jump %q", ErrBadSourceMap, i, f)
				}
				cur.Jump = f[0]
				continue
			}
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, fmt.Errorf("%w: entry %d field %d: %w", ErrBadSourceMap, i, k, err)
			}
			switch k {
			case 0:
				cur.Start = n
			case 1:
				cur.Length = n
			case 2:
				cur.File = n
			}
		}
		out = append(out, cur)
		prev = cur
	}
	return out, nil
}

// At returns the source range of the instruction at pc of p.
func (m SourceMap) At(p *Program, pc int) (SourceRange, bool) {
	i := p.At(pc)
	if i < 0 || i >= len(m) || m[i].File < 0 || m[i].Start < 0 {
		return SourceRange{}, false
	}
	return m[i], true
}

// Near returns the source range of the instruction at pc of p, or, when
// that instruction maps to no source file (solc 0.4.18 and 0.4.19 emit
// file -1 for the CALL of `addr.call.value(v)(data)`), the range of the
// nearest preceding instruction of the same function that does map to a
// file. The walk stops at a jump marked as leaving a function ('o'),
// which ends the code of the previous function, so a finding is never
// attributed to another function.
func (m SourceMap) Near(p *Program, pc int) (SourceRange, bool) {
	if r, ok := m.At(p, pc); ok {
		return r, true
	}
	i := p.At(pc)
	if i < 0 || i >= len(m) {
		return SourceRange{}, false
	}
	for j := i - 1; j >= 0; j-- {
		if m[j].Jump == 'o' {
			break
		}
		if m[j].File >= 0 && m[j].Start >= 0 {
			return m[j], true
		}
	}
	return SourceRange{}, false
}

// Position converts a byte offset in src into a 1-based line and column.
func Position(src []byte, offset int) (line, col int) {
	if offset < 0 || offset > len(src) {
		return 0, 0
	}
	before := src[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = offset - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// Lines returns the first and last 1-based lines the range covers in src.
func (r SourceRange) Lines(src []byte) (first, last int) {
	first, _ = Position(src, r.Start)
	last, _ = Position(src, min(r.Start+max(r.Length-1, 0), len(src)))
	return first, last
}

// SourceFile is one compiler input: its path relative to the scan root
// and its text. Index it as in the compiler's source list.
type SourceFile struct {
	Path string
	Text []byte
}

// Locate fills the path, lines and column of bytecode findings from the
// source map of p. An instruction that maps to no file borrows the range
// of the nearest mapped instruction before it in its function (see
// SourceMap.Near). Findings that still map to generated code or to a file
// not given keep their bytecode location only.
func Locate(fs []contracts.Finding, p *Program, m SourceMap, files []SourceFile) {
	for i := range fs {
		bc := fs[i].Location.Bytecode
		if bc == nil {
			continue
		}
		r, ok := m.Near(p, bc.PC)
		if !ok || r.File >= len(files) || files[r.File].Text == nil {
			continue
		}
		f := files[r.File]
		l := &fs[i].Location
		l.Path = f.Path
		l.Line, l.EndLine = r.Lines(f.Text)
		_, l.Column = Position(f.Text, r.Start)
	}
}
