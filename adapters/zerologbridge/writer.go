package zerologbridge

import (
	"bytes"
	"io"
	"sync"

	"github.com/rs/zerolog"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

// Writer is the zerolog.LevelWriter that makes a line carry a span's
// fields and baggage members exactly once, whatever else wrote the same
// keys: a Hook installed twice, two hooks of one profile, or the caller's
// own trace_id. A Hook
// cannot see what an event holds already; the Writer sees the whole line,
// since zerolog writes each event with one Write call. Make one with
// NewWriter, with the options the Hook was given.
type Writer struct {
	next  io.Writer
	level zerolog.LevelWriter // next, when it routes by level
	// block are the keys the Hook writes for a span, in the order it
	// writes them.
	block []string
	// bag are the baggage members the Hook writes after block, in order,
	// when the context carries them.
	bag []string
}

var _ zerolog.LevelWriter = (*Writer)(nil)

// NewWriter returns a Writer that passes each line to next, first dropping
// from it any top-level field under a key the Hook writes that the Hook did
// not write, when the line carries the Hook's span fields (ours win). The
// Hook's fields are the last run of its span keys in order, and the
// baggage members that follow that run directly. A line without span
// fields (no valid span) passes untouched. opts must be the
// options given to NewHook:
//
//	logger := zerolog.New(zerologbridge.NewWriter(os.Stdout)).Hook(zerologbridge.NewHook())
//
// A line whose keys the Hook writes appear once each is passed on as it
// is, without a copy. next may be a zerolog.LevelWriter (its WriteLevel is
// called) or a ConsoleWriter.
func NewWriter(next io.Writer, opts ...logbridge.Option) *Writer {
	if next == nil {
		next = io.Discard
	}
	w := &Writer{next: next}
	w.level, _ = next.(zerolog.LevelWriter)
	b := bridge.New(opts...)
	w.block = b.SpanKeys()
	w.bag = b.BaggageKeys()
	return w
}

// Write implements io.Writer: it writes p to the next writer in one call,
// without the fields that the Hook's own fields override.
func (w *Writer) Write(p []byte) (int, error) {
	return w.writeLine(p, func(p []byte) (int, error) { return w.next.Write(p) })
}

// WriteLevel implements zerolog.LevelWriter: as Write, through the next
// writer's WriteLevel when it has one.
func (w *Writer) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	if w.level == nil {
		return w.Write(p)
	}
	return w.writeLine(p, func(p []byte) (int, error) { return w.level.WriteLevel(l, p) })
}

// writeLine writes p, or its copy without the overridden fields, with
// write, and returns the count of p's bytes written.
func (w *Writer) writeLine(p []byte, write func([]byte) (int, error)) (int, error) {
	if !w.repeats(p) {
		return write(p)
	}
	bp := linePool.Get().(*[]byte)
	out, ok := w.dedupe((*bp)[:0], p)
	if !ok {
		linePool.Put(bp)
		return write(p)
	}
	n, err := write(out)
	if n == len(out) {
		n = len(p)
	} else {
		n = min(n, len(p))
	}
	if cap(out) <= 64<<10 {
		*bp = out
		linePool.Put(bp)
	}
	return n, err
}

// keyAt returns the index, in block followed by bag, of the key that ends
// with the quote before p[colon], or -1.
func (w *Writer) keyAt(p []byte, colon int) int {
	for k, key := range w.block {
		start := colon - 2 - len(key)
		if start >= 0 && p[start] == '"' && string(p[start+1:colon-1]) == key {
			return k
		}
	}
	for k, key := range w.bag {
		start := colon - 2 - len(key)
		if start >= 0 && p[start] == '"' && string(p[start+1:colon-1]) == key {
			return len(w.block) + k
		}
	}
	return -1
}

// linePool holds the buffers lines are rebuilt in.
var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// repeats reports whether one of the keys the Hook writes may appear more
// than once in p. It visits each colon that follows a quote (every key
// ends so) and compares the text before it with the keys: one pass over
// the line, of the length of its keys and colons. A match inside a string
// value or a nested object only sends the line to dedupe, which parses it.
func (w *Writer) repeats(p []byte) bool {
	if len(w.block)+len(w.bag) > 64 { // more keys than seen has bits
		return true
	}
	var seen uint64
	for i := 0; i < len(p); i++ {
		j := bytes.IndexByte(p[i:], ':')
		if j < 0 {
			return false
		}
		i += j
		if i == 0 || p[i-1] != '"' {
			continue
		}
		if k := w.keyAt(p, i); k >= 0 {
			if seen&(1<<k) != 0 {
				return true
			}
			seen |= 1 << k
		}
	}
	return false
}
