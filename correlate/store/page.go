package store

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"

	"github.com/traceline/traceline/correlate/parse"
)

// DefaultPageLines is how many lines of a trace a lookup reads at once
// unless asked for fewer: a trace of a million lines is read a page at a
// time, so a lookup's memory is bounded by the page, not by the trace.
const DefaultPageLines = 10000

// Cursor says where a page of a trace's lines ended; the next page starts
// after it. The zero Cursor is the start of the trace. Its text form
// (String, ParseCursor) is opaque to clients.
type Cursor struct {
	kind uint8 // 0: start; 1: a store's sort key; 2: a position
	key  [3]uint64
}

// KeyCursor is the cursor after the entry whose sort key (a store's own
// at, file and offset, compared in that order) is given.
func KeyCursor(at, file, offset uint64) Cursor {
	return Cursor{kind: 1, key: [3]uint64{at, file, offset}}
}

// Key returns the sort key of a KeyCursor; ok is false for any other.
func (c Cursor) Key() (at, file, offset uint64, ok bool) {
	return c.key[0], c.key[1], c.key[2], c.kind == 1
}

// IsZero reports whether c is the start of the trace.
func (c Cursor) IsZero() bool { return c.kind == 0 }

// String returns the cursor's text form, "" for the start.
func (c Cursor) String() string {
	if c.kind == 0 {
		return ""
	}
	var b [25]byte
	b[0] = c.kind
	for i, v := range c.key {
		binary.BigEndian.PutUint64(b[1+8*i:], v)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ErrBadCursor is returned (wrapped) by ParseCursor.
var ErrBadCursor = errors.New("not a cursor this service gave")

// ParseCursor reads the text form of a Cursor ("" is the start).
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 25 || b[0] == 0 || b[0] > 2 {
		return Cursor{}, ErrBadCursor
	}
	c := Cursor{kind: b[0]}
	for i := range c.key {
		c.key[i] = binary.BigEndian.Uint64(b[1+8*i:])
	}
	return c, nil
}

// Page is one page of a trace's lines, in time order.
type Page struct {
	Records []parse.Record
	// Next is the cursor of the next page; More says there is one.
	Next Cursor
	More bool
}

// Pager is a Reader that reads a trace's lines a page at a time, holding
// no more than a page (per id asked) in memory.
type Pager interface {
	// LogsPage returns up to limit (DefaultPageLines when limit <= 0) of
	// the entries carrying one of ids, in the order of Reader.Logs,
	// starting after after. A trace with no entries at all is an error
	// wrapping ErrNotFound or ErrEmpty, as for Logs; a page after the
	// last entry is empty.
	LogsPage(ctx context.Context, ids []TraceID, after Cursor, limit int) (Page, error)
}

// FirstPager is a Pager that reads the first page of many traces at once,
// in one request per server where a request costs more than the rows it
// reads (ClickHouse): a list of failing requests shows a hundred traces.
type FirstPager interface {
	Pager
	// FirstPages returns, for each element of traces (the ids of one
	// trace), what LogsPage(ctx, ids, Cursor{}, limit) returns, except
	// that a trace without entries gets an empty page, not an error.
	FirstPages(ctx context.Context, traces [][]TraceID, limit int) ([]Page, error)
}

// LogsReader is what ReadPage needs: Reader.Logs.
type LogsReader interface {
	Logs(ctx context.Context, ids ...TraceID) ([]parse.Record, error)
}

// ReadPage reads a page through r's LogsPage when r is a Pager; otherwise
// it reads every entry through Logs and returns the page asked for (a
// store without paging bounds nothing).
func ReadPage(ctx context.Context, r LogsReader, ids []TraceID, after Cursor, limit int) (Page, error) {
	if limit <= 0 {
		limit = DefaultPageLines
	}
	if p, ok := r.(Pager); ok {
		return p.LogsPage(ctx, ids, after, limit)
	}
	recs, err := r.Logs(ctx, ids...)
	if err != nil {
		return Page{}, err
	}
	from := 0
	switch after.kind {
	case 2:
		from = int(min(after.key[0], uint64(len(recs))))
	case 1:
		return Page{}, ErrBadCursor
	}
	recs = recs[from:]
	var pg Page
	if len(recs) > limit {
		recs = recs[:limit]
		pg.More = true
		pg.Next = Cursor{kind: 2, key: [3]uint64{uint64(from + limit)}}
	}
	pg.Records = recs
	return pg, nil
}
