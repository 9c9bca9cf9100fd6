package server

import (
	"bytes"
	"sync"
)

// maxHoldingSources bounds the sources that may hold an unfinished
// container line at once (each holds at most a line's worth of bytes per
// stream and format), so that clients cannot make the service keep
// unbounded memory for lines they never finish.
const maxHoldingSources = 32

// awaitingValue is the slot of a source's last pushed line when it ends
// with a key to mask ("patient_name:"): its value comes on the next line,
// in the source's next push, and both are redacted as one entry.
const awaitingValue = "awaiting value"

// heldPieces are the pushed pieces of one source's container lines whose
// last piece has not come yet, per slot (format and stream), as
// parse.ContainerPart names them. They live in memory only: a piece is
// stored, joined and redacted with its line, when the last piece comes.
type heldPieces struct {
	mu     sync.Mutex // one push of a source at a time: pieces join in order
	pieces map[string][]heldPiece
	// Guarded by pushHolds.mu:
	users   int  // pushes waiting for or holding mu
	holding bool // held pieces when its last push ended
}

type heldPiece struct {
	line   []byte
	lineNo int64
}

// hold keeps a piece, unless its line already holds max bytes (the
// Assembler would cut the joined line there); it reports whether it kept it.
func (h *heldPieces) hold(slot string, line []byte, lineNo int64, max int) bool {
	n := 0
	for _, p := range h.pieces[slot] {
		n += len(p.line)
	}
	if n >= max {
		return false
	}
	if h.pieces == nil {
		h.pieces = map[string][]heldPiece{}
	}
	h.pieces[slot] = append(h.pieces[slot], heldPiece{line: bytes.Clone(line), lineNo: lineNo})
	return true
}

func (h *heldPieces) drop(slot string) { delete(h.pieces, slot) }

func (h *heldPieces) count() int64 {
	n := 0
	for _, ps := range h.pieces {
		n += len(ps)
	}
	return int64(n)
}

// snapshot and restore undo a push that was not acknowledged: its client
// sends it again, and its pieces must not be held twice.
func (h *heldPieces) snapshot() map[string][]heldPiece {
	m := make(map[string][]heldPiece, len(h.pieces))
	for k, v := range h.pieces {
		m[k] = v[:len(v):len(v)]
	}
	return m
}

func (h *heldPieces) restore(m map[string][]heldPiece) { h.pieces = m }

// pushHolds is every source's held pieces.
type pushHolds struct {
	mu      sync.Mutex
	sources map[string]*heldPieces
}

// take returns source's held pieces, locked for one push.
func (p *pushHolds) take(source string) *heldPieces {
	p.mu.Lock()
	if p.sources == nil {
		p.sources = map[string]*heldPieces{}
	}
	h := p.sources[source]
	if h == nil {
		h = &heldPieces{}
		p.sources[source] = h
	}
	h.users++
	p.mu.Unlock()
	h.mu.Lock()
	return h
}

// admit reports whether h may keep what it holds: a source that holds
// nothing always may; one that holds pieces while fewer than
// maxHoldingSources other sources do.
func (p *pushHolds) admit(source string, h *heldPieces) bool {
	if len(h.pieces) == 0 {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for src, o := range p.sources {
		if src != source && o.holding {
			n++
		}
	}
	return n < maxHoldingSources
}

// release unlocks h after a push and forgets a source that holds nothing.
func (p *pushHolds) release(source string, h *heldPieces) {
	empty := len(h.pieces) == 0
	h.mu.Unlock()
	p.mu.Lock()
	h.users--
	h.holding = !empty
	if h.users == 0 && empty {
		delete(p.sources, source)
	}
	p.mu.Unlock()
}
