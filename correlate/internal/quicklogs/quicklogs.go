// Package quicklogs answers `correlate logs` from the embedded store's
// tables, read by package sstread, in a process that does not link Pebble.
//
// A process that links Pebble spends ~15 ms starting (its dependencies'
// package initialisers and the pages they touch) and ~5 ms opening the
// store before it reads a byte; this package needs neither. It trusts the
// list of tables that the store's last writer left (storefmt.TablesFile)
// only while the folder is in the state the list records, reads only
// what it fully understands, and otherwise says so with an error wrapping
// ErrFallback: the caller then asks the engine, which answers everything.
// The answers of both are the same, record for record (tested).
package quicklogs

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/traceline/traceline/correlate/internal/sstread"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// ErrFallback is wrapped by every error after which the engine must
// answer instead: no list of tables, a stale one, a table in a format or
// with keys not read here, nothing found (the engine says why), or a
// damaged table (the engine reports it in its own words).
var ErrFallback = errors.New("quicklogs: the engine must answer")

func fallback(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFallback, fmt.Sprintf(format, args...))
}

// because sends the lookup to the engine for err.
func because(err error) error {
	if errors.Is(err, ErrFallback) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrFallback, err)
}

// Logs returns the records of the traces ids stand for, in time order, as
// the engine's Store.Logs would.
func Logs(dir string, ids []store.TraceID) ([]parse.Record, error) {
	r, buckets, err := open(dir)
	if err != nil {
		return nil, err
	}
	recs, err := storefmt.Logs(r, buckets, ids)
	if err != nil {
		return nil, because(err)
	}
	return recs, nil
}

// LogsPage returns a page of those records, as the engine's
// Store.LogsPage would (see store.Pager): the tables are read from the
// cursor on, a page's worth of keys at a time.
func LogsPage(dir string, ids []store.TraceID, after store.Cursor, limit int) (store.Page, error) {
	if limit <= 0 {
		limit = store.DefaultPageLines
	}
	r, buckets, err := open(dir)
	if err != nil {
		return store.Page{}, err
	}
	pg, err := storefmt.LogsPage(r, buckets, ids, after, limit)
	if err != nil {
		return store.Page{}, because(err)
	}
	return pg, nil
}

// open reads the list of tables and the time buckets they hold.
func open(dir string) (*reader, []uint32, error) {
	b, err := os.ReadFile(filepath.Join(dir, storefmt.TablesFile))
	if err != nil {
		return nil, nil, because(err)
	}
	list, err := storefmt.ParseTableList(b)
	if err != nil {
		return nil, nil, because(err)
	}
	st, err := storefmt.ReadState(dir)
	if err != nil {
		return nil, nil, because(err)
	}
	if !st.Equal(list.State) {
		return nil, nil, fallback("the list of tables is stale")
	}
	// Newest tables first, as Pebble reads them: lower levels, then
	// (level 0) larger sequence numbers. Of a user key in several
	// tables, the first one's version wins.
	slices.SortStableFunc(list.Tables, func(a, b storefmt.Table) int {
		return cmp.Or(cmp.Compare(a.Level, b.Level), cmp.Compare(b.Seq, a.Seq))
	})
	r := &reader{dir: dir, list: list}
	var buckets []uint32
	err = r.ScanPrefix([]byte{storefmt.SpaceBucket}, func(k, _ []byte) error {
		if len(k) == 5 {
			buckets = append(buckets, binary.BigEndian.Uint32(k[1:]))
		}
		return nil
	})
	if err != nil {
		return nil, nil, because(err)
	}
	if len(buckets) == 0 {
		return nil, nil, fallback("the index is empty")
	}
	return r, buckets, nil
}

// reader scans keys across the listed tables.
type reader struct {
	dir  string
	list *storefmt.TableList
}

// kv is a key read from one table, for the merge of several.
type kv struct {
	k, v []byte
	rank int // of its table, newest first
	seq  uint64
	kind uint8
}

// ScanPrefix reads p's keys from every table whose range meets p (the
// last level's tables do not overlap: usually one), merged; of one user
// key in several tables the newest version wins, as in Pebble. Only plain
// sets are read: a winning deletion, or a range deletion or range key
// anywhere in the range, sends the lookup to the engine.
func (r *reader) ScanPrefix(p []byte, fn func(k, v []byte) error) error {
	return r.ScanRange(p, storefmt.PrefixEnd(p), 0, fn)
}

// errEnough ends one table's part of a ScanRange.
var errEnough = errors.New("quicklogs: enough keys of this table")

// ScanRange reads the keys in [p, hi) as ScanPrefix does, at most max
// (when positive) of each table: of the merge, the first max distinct
// keys are then exact (a table holds each key once, so every table's keys
// up to the max-th distinct key are among its first max).
func (r *reader) ScanRange(p, hi []byte, max int, fn func(k, v []byte) error) error {
	var all []kv
	for i := range r.list.Tables {
		lt := &r.list.Tables[i]
		if bytes.Compare(lt.Largest, p) < 0 || hi != nil && bytes.Compare(lt.Smallest, hi) >= 0 {
			continue
		}
		if lt.Virtual {
			return fallback("table %s is virtual", lt.File)
		}
		// Each table is closed after its scan: the next scan (another
		// bucket, another key space) reads other tables, and a closed
		// table's buffers serve the next one (sstread recycles them).
		t, err := r.table(lt.File)
		if err != nil {
			return err
		}
		rank, n := i, 0
		err = t.Scan(p, hi, func(k []byte, seq uint64, kind uint8, v []byte) error {
			all = append(all, kv{slices.Clone(k), slices.Clone(v), rank, seq, kind})
			if n++; max > 0 && n >= max {
				return errEnough
			}
			return nil
		})
		t.Close()
		if err != nil && err != errEnough {
			return err
		}
	}
	slices.SortFunc(all, func(a, b kv) int {
		// a user key's newest version first: the newer table's, then
		// (within a table) the higher sequence number's
		return cmp.Or(bytes.Compare(a.k, b.k), cmp.Compare(a.rank, b.rank), cmp.Compare(b.seq, a.seq))
	})
	for i := range all {
		if i > 0 && bytes.Equal(all[i].k, all[i-1].k) {
			continue
		}
		if err := plainSet(all[i].kind); err != nil {
			return err
		}
		if err := fn(all[i].k, all[i].v); err != nil {
			if errors.Is(err, storefmt.ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// Pebble's key kinds that are values: a set, and a set that may have
// shadowed a deletion (SETWITHDEL).
const (
	kindSet        = 1
	kindSetWithDel = 18
)

func plainSet(kind uint8) error {
	if kind != kindSet && kind != kindSetWithDel {
		return fallback("a key of kind %d", kind)
	}
	return nil
}

// table opens a listed table.
func (r *reader) table(file string) (*sstread.Table, error) {
	t, err := sstread.Open(filepath.Join(r.dir, file))
	if err != nil {
		return nil, because(err)
	}
	ranges, err := t.HasRangeKeysOrDels()
	if err != nil || ranges {
		t.Close()
		return nil, fallback("table %s holds range deletions or range keys", file)
	}
	return t, nil
}
