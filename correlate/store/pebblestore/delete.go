package pebblestore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// DeleteTrace removes every entry of the given traces (a privacy request:
// "forget this patient's request"), in every time bucket, in one atomic
// write. It returns how many entries it removed. The search index's
// groups that held any of them are written again without them.
// Checkpoints are kept, so the lines are not read again from files that
// still hold them; a file indexed anew from its start would bring them
// back.
func (s *Store) DeleteTrace(ctx context.Context, ids ...store.TraceID) (int, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	// Two deletions rewriting one group at once would each put back what
	// the other removed.
	s.deleteMu.Lock()
	defer s.deleteMu.Unlock()
	recs, err := s.logs(ctx, ids)
	if err != nil {
		return 0, err
	}
	seen := map[[2]uint64]bool{}
	for i := range recs {
		if id, ok := store.TraceIDFromRecord(recs[i].TraceID, recs[i].TraceIDLow); ok {
			seen[[2]uint64{id.Hi, id.Lo}] = true
		}
	}
	b := s.db.NewBatch()
	defer b.Close()
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	groups := map[storefmt.SearchKey]bool{} // First unset: the groups of a second of a file
	var p, lk []byte
	for _, bk := range s.sortedBuckets() {
		for f := range seen {
			p = storefmt.AppendTracePrefix(p[:0], bk, f[0], f[1])
			id := f
			err := iterScanner{it}.ScanPrefix(p, func(k, v []byte) error {
				if len(k) != storefmt.TraceKeyLen {
					return nil
				}
				at := binary.BigEndian.Uint64(k[21:])
				var e store.Entry
				if err := storefmt.DecodeEntry(&e, v, storefmt.AtFromKey(at), int64(binary.BigEndian.Uint64(k[37:])), &id); err != nil {
					return err
				}
				groups[storefmt.SearchKey{Bucket: bk, Rank: store.LevelRank(e.Level), Second: storefmt.SecondOf(at), File: binary.BigEndian.Uint64(k[29:])}] = true
				return nil
			})
			if err != nil {
				return 0, err
			}
			if err := b.DeleteRange(p, storefmt.PrefixEnd(p), nil); err != nil {
				return 0, err
			}
			lk = storefmt.AppendLowKey(lk[:0], bk, f[1], f[0])
			if err := b.Delete(lk, nil); err != nil {
				return 0, err
			}
		}
	}
	for g := range groups {
		if err := dropFromGroups(it, b, g, seen); err != nil {
			return 0, err
		}
	}
	if err := b.Commit(s.syncWrite()); err != nil {
		return 0, fmt.Errorf("pebblestore: deleting: %w", err)
	}
	s.deleted.Store(true)
	return len(recs), nil
}

// dropFromGroups writes, into b, the search index groups of the second,
// rank and file of at (its First unused) again without the entries of the
// traces in ids; a group left empty is deleted.
func dropFromGroups(it *pebble.Iterator, b *pebble.Batch, at storefmt.SearchKey, ids map[[2]uint64]bool) error {
	p := at.Append(nil)
	p = p[:len(p)-8] // up to the file
	var (
		gr  storefmt.GroupReader
		ng  storefmt.SearchGroup
		se  storefmt.SearchEntry
		val []byte
	)
	return iterScanner{it}.ScanPrefix(p, func(k, v []byte) error {
		if err := gr.Reset(k, v); err != nil {
			if errors.Is(err, storefmt.ErrOldSearchValue) {
				return nil // an index of an earlier layout, never read
			}
			return fmt.Errorf("pebblestore: search key %x: %w", k, err)
		}
		ng.Reset(gr.Key)
		dropped := false
		for gr.Next(&se) {
			if se.Traced && ids[se.ID] {
				dropped = true
				continue
			}
			var id *[2]uint64
			if se.Traced {
				id = &se.ID
			}
			level := ""
			if gr.Key.Rank == 0 {
				level = string(gr.Levels[se.Level])
			}
			ng.Add(se.At, se.Offset, id, string(gr.Services[se.Service]), level)
		}
		if err := gr.Err(); err != nil {
			return fmt.Errorf("pebblestore: search key %x: %w", k, err)
		}
		if !dropped {
			return nil
		}
		// The group's key names its first entry, which may be gone.
		if err := b.Delete(k, nil); err != nil {
			return err
		}
		if ng.Len() == 0 {
			return nil
		}
		val = ng.AppendValue(val[:0])
		return b.Set(ng.Key.Append(nil), val, nil)
	})
}
