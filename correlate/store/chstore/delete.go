package chstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// DeleteTrace removes every line of the given traces (a privacy request:
// "forget this patient's request") and returns how many it removed. It
// removes exactly what Logs returns for ids: a full id's lines and the
// lines that carry only its low 64 bits, and for a 64-bit id every trace
// with that low half.
//
// On ClickHouse that is a mutation, ALTER TABLE entries_local DELETE
// WHERE …, run on every shard's own table (a Distributed table cannot be
// altered so; and every shard, not only the one that owns the id, in case
// the shard count changed since the lines were written). ClickHouse 18.16
// runs mutations in the background and knows no mutations_sync setting
// ("Unknown setting", code 115), so DeleteTrace waits on system.mutations
// until each shard reports its mutations from this call done, for at most
// Config.Timeout per shard. The guarantee, when it returns nil: no shard
// holds a line of the traces that was written before the call, and no
// spooled batch does either — the lines waiting in the spool for a shard
// that was down are taken out of their batches (which keep their
// checkpoints, so the lines are not read again). Lines written while the
// call runs, or later (a file indexed anew from its start), are new lines
// and stay.
//
// A shard that is down fails the call with its *ShardError; the lines on
// the shards that answered are gone, and a retry finishes the rest. A
// mutation that does not finish in time fails the call too, but goes on in
// the background.
func (s *Store) DeleteTrace(ctx context.Context, ids ...store.TraceID) (int, error) {
	if len(ids) == 0 {
		return 0, store.ErrNotFound
	}
	// Hold the spool's sender back, so no batch read before the spool is
	// filtered reaches ClickHouse after the mutation.
	s.sending.Lock()
	defer s.sending.Unlock()
	spooled := 0
	if s.spool != nil {
		n, err := s.spool.forget(func(e *store.Entry) bool { return carries(e, ids) })
		if err != nil {
			return 0, err
		}
		spooled = n
	}
	recs, err := s.Logs(ctx, ids...)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrEmpty):
		if spooled > 0 {
			return spooled, nil
		}
		return 0, err
	default:
		return spooled, err
	}
	cond := traceCond(ids)
	var errs []error
	for _, sh := range s.shards {
		if err := s.mutate(ctx, sh, "ALTER TABLE "+s.table(tEntries)+" DELETE WHERE "+cond); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return spooled, fmt.Errorf("chstore: delete %s: %w", idsString(ids), err)
	}
	return len(recs) + spooled, nil
}

// mutate runs an ALTER … DELETE on one shard and waits until the shard
// reports every mutation of that table created since just before it done.
// The server's clock dates the mutations, so the correlator's may differ.
func (s *Store) mutate(ctx context.Context, sh *shard, alter string) error {
	if err := s.ensure(ctx, sh); err != nil {
		return err
	}
	now, err := sh.queryString(ctx, "SELECT toUInt32(now())")
	if err != nil {
		return err
	}
	since := strings.TrimSpace(now)
	if err := sh.exec(ctx, alter, nil); err != nil {
		return err
	}
	q := fmt.Sprintf("SELECT count() FROM system.mutations WHERE database = '%s' AND table = '%s%s' AND is_done = 0 AND create_time >= toDateTime(%s)",
		s.cfg.Database, tEntries, localSuffix, since)
	deadline := time.Now().Add(s.cfg.Timeout)
	pause := 10 * time.Millisecond
	for {
		out, err := sh.queryString(ctx, q)
		if err != nil {
			return err
		}
		if strings.TrimSpace(out) == "0" {
			return nil
		}
		if time.Now().After(deadline) {
			return &ShardError{Shard: sh.idx, URL: sh.base, Retryable: true,
				Err: fmt.Errorf("the delete mutation did not finish in %s; it goes on in the background", s.cfg.Timeout)}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 500*time.Millisecond)
	}
}

// traceCond is the WHERE condition of the rows of ids, the one Logs uses.
func traceCond(ids []store.TraceID) string {
	cs := make([]string, len(ids))
	for i, id := range ids {
		cs[i] = "(" + idCond(id) + ")"
	}
	return strings.Join(cs, " OR ")
}

// idCond matches the rows of one id: for a full id its own rows and those
// that carry only its low half (trace_hi 0), for a 64-bit id every row
// with that low half.
func idCond(id store.TraceID) string {
	c := "trace_lo = " + strconv.FormatUint(id.Lo, 10)
	if !id.Only64 {
		c += " AND trace_hi IN (0, " + strconv.FormatUint(id.Hi, 10) + ")"
	}
	return c
}

// carries reports whether e is a line of one of ids, as idCond decides.
func carries(e *store.Entry, ids []store.TraceID) bool {
	got, ok := store.TraceIDFromRecord(e.TraceID, e.TraceIDLow)
	if !ok {
		return false
	}
	for _, id := range ids {
		if got.Lo == id.Lo && (id.Only64 || got.Hi == 0 || got.Hi == id.Hi) {
			return true
		}
	}
	return false
}
