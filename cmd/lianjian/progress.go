package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar draws a one-line progress bar on a terminal.
type progressBar struct {
	w        io.Writer
	format   string // ingestText.Bar
	from, to uint64
	start    time.Time
	last     time.Time
}

// newProgressBar returns a bar from height from to height to, its
// figures written with format (an ingestText.Bar).
func newProgressBar(w io.Writer, format string, from, to uint64) *progressBar {
	now := time.Now()
	return &progressBar{w: w, format: format, from: from, to: to, start: now}
}

// set redraws the bar for the given height, at most ten times a second.
func (p *progressBar) set(h uint64) {
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && h != p.to {
		return
	}
	p.last = now
	total := float64(p.to - p.from + 1)
	done := float64(h - p.from + 1)
	frac := min(done/total, 1)
	const width = 30
	fill := int(frac * width)
	rate := done / max(now.Sub(p.start).Seconds(), 1e-3)
	eta := time.Duration((total - done) / max(rate, 1e-9) * float64(time.Second)).Round(time.Second)
	fmt.Fprintf(p.w, "\r[%s%s] "+p.format, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, h, p.to, rate, eta)
}

func (p *progressBar) done() { fmt.Fprintln(p.w) }
