package pebblestore

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// DeleteTrace removes every entry of the given traces (a privacy request:
// "forget this patient's request"), in every time bucket, in one atomic
// write. It returns how many entries it removed. Checkpoints are kept, so
// the lines are not read again from files that still hold them; a file
// indexed anew from its start would bring them back.
func (s *Store) DeleteTrace(ctx context.Context, ids ...store.TraceID) (int, error) {
	if err := s.ingestRun(); err != nil {
		return 0, err
	}
	recs, err := s.Logs(ctx, ids...)
	if err != nil {
		return 0, err
	}
	type full struct{ hi, lo uint64 }
	seen := map[full]bool{}
	for i := range recs {
		if id, ok := store.TraceIDFromRecord(recs[i].TraceID, recs[i].TraceIDLow); ok {
			seen[full{id.Hi, id.Lo}] = true
		}
	}
	b := s.db.NewBatch()
	defer b.Close()
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	var p, lk, sk []byte
	for _, bk := range s.sortedBuckets() {
		for f := range seen {
			p = storefmt.AppendTracePrefix(p[:0], bk, f.hi, f.lo)
			// the entries' keys in the search index
			id := [2]uint64{f.hi, f.lo}
			err := iterScanner{it}.ScanPrefix(p, func(k, v []byte) error {
				if len(k) != storefmt.TraceKeyLen {
					return nil
				}
				at := storefmt.AtFromKey(binary.BigEndian.Uint64(k[21:]))
				var e store.Entry
				if err := storefmt.DecodeEntry(&e, v, at, int64(binary.BigEndian.Uint64(k[37:])), &id); err != nil {
					return err
				}
				sk = storefmt.AppendSearchKey(sk[:0], bk, store.LevelRank(e.Level), at, binary.BigEndian.Uint64(k[29:]), e.Offset)
				return b.Delete(sk, nil)
			})
			if err != nil {
				return 0, err
			}
			if err := b.DeleteRange(p, storefmt.PrefixEnd(p), nil); err != nil {
				return 0, err
			}
			lk = storefmt.AppendLowKey(lk[:0], bk, f.lo, f.hi)
			if err := b.Delete(lk, nil); err != nil {
				return 0, err
			}
		}
	}
	if err := b.Commit(s.syncWrite()); err != nil {
		return 0, fmt.Errorf("pebblestore: deleting: %w", err)
	}
	s.deleted.Store(true)
	return len(recs), nil
}
