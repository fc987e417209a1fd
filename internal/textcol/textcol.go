// Package textcol lines up columns of text for a terminal. Unlike
// text/tabwriter it counts an East Asian wide character (汉字, full-width
// punctuation) as two columns, so that tables with Chinese headings and
// values stay aligned.
package textcol

import (
	"io"
	"strings"
)

// Width is the number of terminal columns s takes: two for each East
// Asian wide or full-width character, one for any other.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n++
		if wide(r) {
			n++
		}
	}
	return n
}

// wide reports whether r is an East Asian wide or full-width character
// (Unicode TR 11, the ranges Chinese text uses).
func wide(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x115f, // Hangul Jamo initials
		r >= 0x2e80 && r <= 0x303e, // CJK radicals, symbols and punctuation (、。「」)
		r >= 0x3041 && r <= 0x33ff, // kana, bopomofo, CJK compatibility
		r >= 0x3400 && r <= 0x4dbf, // CJK extension A
		r >= 0x4e00 && r <= 0x9fff, // CJK unified ideographs
		r >= 0xa000 && r <= 0xa4cf, // Yi
		r >= 0xac00 && r <= 0xd7a3, // Hangul syllables
		r >= 0xf900 && r <= 0xfaff, // CJK compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f, // CJK compatibility forms
		r >= 0xff00 && r <= 0xff60, // full-width forms (（）：，)
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x20000 && r <= 0x3fffd: // CJK extensions B and later
		return true
	}
	return false
}

// Pad pads s with spaces on the right to width columns; a wider s is
// returned as it is.
func Pad(s string, width int) string {
	if n := Width(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// Write writes rows, one line each, padding every cell but the last of
// its row to the widest cell of its column plus gap spaces, as a
// text/tabwriter with that padding would for tab-terminated cells.
func Write(w io.Writer, rows [][]string, gap int) error {
	var widths []int
	for _, row := range rows {
		for i, c := range row[:max(len(row)-1, 0)] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], Width(c))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, c := range row {
			if i < len(row)-1 {
				c = Pad(c, widths[i]+gap)
			}
			b.WriteString(c)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
