// Package progress draws a one-line progress bar on a terminal (bytes,
// lines per second, ETA) and formats the sizes and counts of summaries.
//
//	bar := progress.NewBar(os.Stderr, totalBytes)
//	bar.Update(doneBytes, lines)   // as often as you like; drawn at most 10 times a second
//	bar.Finish()                   // clears the line
//
// Use IsTerminal to decide between a bar and a plain summary line.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Bar is a progress bar on one terminal line.
type Bar struct {
	w     io.Writer
	total int64
	start time.Time
	last  time.Time
	width int
	now   func() time.Time
	drawn bool
}

// NewBar returns a bar for total bytes (0 when unknown) drawing on w.
func NewBar(w io.Writer, total int64) *Bar {
	return &Bar{w: w, total: total, start: time.Now(), width: 24, now: time.Now}
}

// Update draws the bar for done bytes and lines so far, at most ten times a
// second.
func (b *Bar) Update(done, lines int64) {
	now := b.now()
	if b.drawn && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	b.drawn = true
	fmt.Fprintf(b.w, "\r%s\x1b[K", b.Line(done, lines, now.Sub(b.start)))
}

// Line renders the bar's text for done bytes and lines after elapsed.
func (b *Bar) Line(done, lines int64, elapsed time.Duration) string {
	var sb strings.Builder
	frac := 0.0
	if b.total > 0 {
		frac = float64(done) / float64(b.total)
		if frac > 1 {
			frac = 1
		}
	}
	fill := int(frac * float64(b.width))
	sb.WriteByte('[')
	sb.WriteString(strings.Repeat("=", fill))
	if fill < b.width {
		sb.WriteByte('>')
		sb.WriteString(strings.Repeat(" ", b.width-fill-1))
	}
	sb.WriteByte(']')
	fmt.Fprintf(&sb, " %3.0f%%  %s / %s  %s lines/s", frac*100, Bytes(done), Bytes(b.total), Count(Rate(lines, elapsed)))
	if done > 0 && b.total > done && elapsed > 0 {
		eta := time.Duration(float64(elapsed) * float64(b.total-done) / float64(done))
		fmt.Fprintf(&sb, "  ETA %s", Duration(eta))
	}
	return sb.String()
}

// Finish clears the bar's line.
func (b *Bar) Finish() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
}

// Rate is n per second over d.
func Rate(n int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(float64(n) / d.Seconds())
}

// Bytes formats a size: 512 B, 1.5 KB, 2.6 GB (powers of 1000).
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), 0
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", v, "kMGTP"[i-1])
}

// Count formats a count with thousands separators: 1,234,567.
func Count(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// Duration formats d as 1h02m03s, 2m03s or 3.2s.
func Duration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm%02ds", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}
