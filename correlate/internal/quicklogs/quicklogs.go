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
	b, err := os.ReadFile(filepath.Join(dir, storefmt.TablesFile))
	if err != nil {
		return nil, because(err)
	}
	list, err := storefmt.ParseTableList(b)
	if err != nil {
		return nil, because(err)
	}
	st, err := storefmt.ReadState(dir)
	if err != nil {
		return nil, because(err)
	}
	if !st.Equal(list.State) {
		return nil, fallback("the list of tables is stale")
	}
	r := &reader{dir: dir, list: list}
	var buckets []uint32
	err = r.ScanPrefix([]byte{storefmt.SpaceBucket}, func(k, _ []byte) error {
		if len(k) == 5 {
			buckets = append(buckets, uint32(k[1])<<24|uint32(k[2])<<16|uint32(k[3])<<8|uint32(k[4]))
		}
		return nil
	})
	if err != nil {
		return nil, because(err)
	}
	if len(buckets) == 0 {
		return nil, fallback("the index is empty")
	}
	recs, err := storefmt.Logs(r, buckets, ids)
	if err != nil {
		return nil, because(err)
	}
	return recs, nil
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
}

// ScanPrefix reads p's keys from every table whose range meets p. One
// table (the common case: the last level's tables do not overlap) is read
// straight through; keys of several are merged, and of one user key in
// several tables the newest (highest sequence number) wins, as in Pebble.
// Only plain sets are read: a deletion, a range deletion or a range key
// anywhere in the range sends the lookup to the engine.
func (r *reader) ScanPrefix(p []byte, fn func(k, v []byte) error) error {
	hi := storefmt.PrefixEnd(p)
	// Each scan opens its tables and closes them after: the next scan
	// (another bucket, another key space) reads other tables, and a
	// closed table's buffers serve the next one (sstread recycles them).
	var tables []*sstread.Table
	var ranks []*storefmt.Table
	defer func() {
		for _, t := range tables {
			t.Close()
		}
	}()
	for i := range r.list.Tables {
		lt := &r.list.Tables[i]
		if bytes.Compare(lt.Largest, p) < 0 || hi != nil && bytes.Compare(lt.Smallest, hi) >= 0 {
			continue
		}
		if lt.Virtual {
			return fallback("table %s is virtual", lt.File)
		}
		t, err := r.table(lt.File)
		if err != nil {
			return err
		}
		tables = append(tables, t)
		ranks = append(ranks, lt)
	}
	if len(tables) == 1 {
		// A table holds a user key's versions newest first.
		var prev []byte
		return tables[0].Scan(p, hi, func(k []byte, _ uint64, kind uint8, v []byte) error {
			if prev != nil && bytes.Equal(prev, k) {
				return nil
			}
			if err := plainSet(kind); err != nil {
				return err
			}
			prev = append(prev[:0], k...)
			return fn(k, v)
		})
	}
	// Newer tables first: lower levels, then (level 0) larger numbers.
	order := make([]int, len(tables))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(ranks[a].Level, ranks[b].Level); c != 0 {
			return c
		}
		return cmp.Compare(ranks[b].Seq, ranks[a].Seq)
	})
	var all []kv
	for rank, i := range order {
		err := tables[i].Scan(p, hi, func(k []byte, seq uint64, kind uint8, v []byte) error {
			if err := plainSet(kind); err != nil {
				return err
			}
			all = append(all, kv{slices.Clone(k), slices.Clone(v), rank, seq})
			return nil
		})
		if err != nil {
			return err
		}
	}
	slices.SortFunc(all, func(a, b kv) int {
		if c := bytes.Compare(a.k, b.k); c != 0 {
			return c
		}
		// newest first: the newer table's, then the higher number's
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(b.seq, a.seq))
	})
	for i := range all {
		if i > 0 && bytes.Equal(all[i].k, all[i-1].k) {
			continue
		}
		if err := fn(all[i].k, all[i].v); err != nil {
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
