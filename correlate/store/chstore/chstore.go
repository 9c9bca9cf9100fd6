package chstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// Store is the ClickHouse store. It is safe for concurrent use; several
// processes (correlator replicas) may open the same database.
type Store struct {
	cfg    Config
	shards []*shard
	spool  *spool // nil without Config.SpoolDir

	drainStop chan struct{}
	drainDone chan struct{}
	kick      chan struct{}
	closeOnce sync.Once
	// sending is held by the spool's sender while it reads and sends a
	// batch, and by DeleteTrace while it filters the spool and deletes, so
	// no batch read before the one reaches ClickHouse after the other.
	sending sync.Mutex
}

var _ store.Store = (*Store)(nil)

// Open checks the configuration, creates the database and tables on every
// shard if missing, opens the spool (when configured) and starts sending
// what it holds.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 2 * time.Second /* below ClickHouse's keep_alive_timeout (3s) */, DisableCompression: true}
	cl := &http.Client{Transport: tr}
	s := &Store{cfg: cfg}
	for i, u := range cfg.Shards {
		s.shards = append(s.shards, &shard{idx: i, base: strings.TrimRight(u, "/"), cl: cl, cfg: &s.cfg})
	}
	// With a spool, a shard that is down at start is no reason to refuse:
	// writes wait in the spool and the schema is created when it is back.
	if err := s.createSchema(ctx); err != nil && (cfg.SpoolDir == "" || !errors.Is(err, ErrUnavailable)) {
		tr.CloseIdleConnections()
		return nil, err
	}
	if cfg.SpoolDir != "" {
		sp, err := openSpool(cfg.SpoolDir, cfg.SpoolBytes)
		if err != nil {
			tr.CloseIdleConnections()
			return nil, err
		}
		s.spool = sp
		s.drainStop, s.drainDone, s.kick = make(chan struct{}), make(chan struct{}), make(chan struct{}, 1)
		go s.drain()
	}
	return s, nil
}

// Close stops the spool's sender (what it holds stays on disk for the next
// Open) and closes idle connections.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.drainStop != nil {
			close(s.drainStop)
			<-s.drainDone
		}
		if len(s.shards) > 0 {
			if tr, ok := s.shards[0].cl.Transport.(*http.Transport); ok {
				tr.CloseIdleConnections()
			}
		}
	})
	return nil
}

func (s *Store) table(t string) string { return s.cfg.Database + "." + t + localSuffix }

// Write sends entries to the shards that own them (traced entries by the
// low 64 bits of their trace id, untraced ones by file) and then the
// checkpoint, so a checkpoint never covers entries ClickHouse lacks. When
// a shard cannot be reached and a spool is configured, the batch goes to
// the spool and Write returns nil; batches that follow also go there, in
// order, until the spool is drained.
func (s *Store) Write(ctx context.Context, entries []store.Entry, cp store.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cp.Updated.IsZero() {
		cp.Updated = time.Now().UTC()
	}
	if s.spool != nil && s.spool.pending() {
		return s.toSpool(entries, cp)
	}
	err := s.send(ctx, entries, cp)
	if err != nil && s.spool != nil && errors.Is(err, ErrUnavailable) {
		return s.toSpool(entries, cp)
	}
	return err
}

// WriteSync is Write: ClickHouse has the rows when its insert answers, and
// the spool syncs each batch it takes before Write returns.
func (s *Store) WriteSync(ctx context.Context, entries []store.Entry, cp store.Checkpoint) error {
	return s.Write(ctx, entries, cp)
}

var _ store.SyncWriter = (*Store)(nil)

func (s *Store) toSpool(entries []store.Entry, cp store.Checkpoint) error {
	if err := s.spool.add(entries, cp); err != nil {
		return err
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

// send writes one batch: entries to every shard concurrently, then the
// checkpoint. A retried send writes identical rows, which reads collapse.
func (s *Store) send(ctx context.Context, entries []store.Entry, cp store.Checkpoint) error {
	n := uint64(len(s.shards))
	traced := make([][]byte, n)
	untraced := make([][]byte, n)
	est := 0
	for i := range entries {
		est += len(entries[i].Raw) + len(entries[i].Msg) + len(entries[i].File) + 320
	}
	for k := range traced {
		traced[k] = make([]byte, 0, est/int(n)+est/8)
	}
	for i := range entries {
		e := &entries[i]
		if id, ok := store.TraceIDFromRecord(e.TraceID, e.TraceIDLow); ok {
			k := id.Lo % n
			traced[k] = appendRow(traced[k], e, cp.FileID, id, true)
		} else {
			k := cp.FileID % n
			untraced[k] = appendRow(untraced[k], e, cp.FileID, store.TraceID{}, false)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for k := range s.shards {
		for j, body := range [2][]byte{traced[k], untraced[k]} {
			if len(body) == 0 {
				continue
			}
			t := tEntries
			if j == 1 {
				t = tUntraced
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.ensure(ctx, s.shards[k]); err != nil {
					errs[2*k+j] = err
					return
				}
				errs[2*k+j] = s.shards[k].exec(ctx, "INSERT INTO "+s.table(t)+" FORMAT JSONEachRow", body)
			}()
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("chstore: write %d entries of file %016x: %w", len(entries), cp.FileID, err)
	}
	cpj, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	row := append([]byte(`{"file":`), strconv.FormatUint(cp.FileID, 10)...)
	row = append(row, `,"offset":`...)
	row = strconv.AppendInt(row, cp.Offset, 10)
	row = append(row, `,"updated":`...)
	row = strconv.AppendInt(row, cp.Updated.UnixNano(), 10)
	row = append(row, `,"cp":`...)
	row = appendJSONString(row, string(cpj))
	row = append(row, "}\n"...)
	if err := s.ensure(ctx, s.shards[cp.FileID%n]); err != nil {
		return fmt.Errorf("chstore: write checkpoint of file %016x: %w", cp.FileID, err)
	}
	if err := s.shards[cp.FileID%n].exec(ctx, "INSERT INTO "+s.table(tCheckpoints)+" FORMAT JSONEachRow", row); err != nil {
		return fmt.Errorf("chstore: write checkpoint of file %016x: %w", cp.FileID, err)
	}
	return nil
}

// Checkpoints returns every file's newest checkpoint: what ClickHouse
// holds, overridden by newer ones still in the spool.
func (s *Store) Checkpoints(ctx context.Context) ([]store.Checkpoint, error) {
	byFile := map[uint64]store.Checkpoint{}
	if err := s.ensureAll(ctx); err != nil {
		return nil, err
	}
	for _, sh := range s.shards {
		out, err := sh.queryString(ctx, "SELECT argMax(cp, updated) FROM "+s.table(tCheckpoints)+" GROUP BY file FORMAT JSONEachRow")
		if err != nil {
			return nil, fmt.Errorf("chstore: read checkpoints: %w", err)
		}
		dec := json.NewDecoder(strings.NewReader(out))
		for {
			var r map[string]string
			if err := dec.Decode(&r); err == io.EOF {
				break
			} else if err != nil {
				return nil, fmt.Errorf("chstore: read checkpoints: %w", err)
			}
			for _, v := range r {
				var cp store.Checkpoint
				if err := json.Unmarshal([]byte(v), &cp); err != nil {
					return nil, fmt.Errorf("chstore: checkpoint %q: %w", v, err)
				}
				if old, ok := byFile[cp.FileID]; !ok || newer(cp, old) {
					byFile[cp.FileID] = cp
				}
			}
		}
	}
	if s.spool != nil {
		for _, cp := range s.spool.checkpoints() {
			if old, ok := byFile[cp.FileID]; !ok || newer(cp, old) {
				byFile[cp.FileID] = cp
			}
		}
	}
	cps := make([]store.Checkpoint, 0, len(byFile))
	for _, cp := range byFile {
		cps = append(cps, cp)
	}
	sort.Slice(cps, func(i, j int) bool { return cps[i].FileID < cps[j].FileID })
	return cps, nil
}

func newer(a, b store.Checkpoint) bool {
	if !a.Updated.Equal(b.Updated) {
		return a.Updated.After(b.Updated)
	}
	return a.Offset > b.Offset
}

// Logs returns every entry carrying one of ids, in time order. Each id is
// looked up on the one shard that owns its low 64 bits, so a lookup
// touches one shard per id and fails only when that shard is down (the
// error is a *ShardError naming it).
func (s *Store) Logs(ctx context.Context, ids ...store.TraceID) ([]parse.Record, error) {
	n := uint64(len(s.shards))
	conds := make([][]string, n)
	for _, id := range ids {
		k := id.Lo % n
		conds[k] = append(conds[k], "("+idCond(id)+")")
	}
	var rows []row
	for k, cs := range conds {
		if len(cs) == 0 {
			continue
		}
		if err := s.ensure(ctx, s.shards[k]); err != nil {
			return nil, err
		}
		q := "SELECT " + tracedCols + " FROM " + s.table(tEntries) + " WHERE " + strings.Join(cs, " OR ") +
			" ORDER BY at, at_ns, file, offset FORMAT TabSeparated"
		err := s.stream(ctx, s.shards[k], q, func(r *row) bool {
			rows = append(rows, *r)
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("chstore: logs of %s: %w", idsString(ids), err)
		}
	}
	if len(rows) == 0 {
		empty, err := s.empty(ctx)
		if err != nil {
			return nil, err
		}
		if empty {
			return nil, fmt.Errorf("%s: %w", s.cfg.Database, store.ErrEmpty)
		}
		return nil, fmt.Errorf("%s: %w", idsString(ids), store.ErrNotFound)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].less(&rows[j]) })
	recs := make([]parse.Record, 0, len(rows))
	for i := range rows {
		if i > 0 && rows[i].sameKey(&rows[i-1]) {
			continue // a retried write, not yet merged away
		}
		recs = append(recs, rows[i].e.Record)
	}
	return recs, nil
}

// LogsPage returns a page of the entries carrying one of ids (see
// store.Pager): each shard answers at most limit+1 rows after the
// cursor, in key order.
func (s *Store) LogsPage(ctx context.Context, ids []store.TraceID, after store.Cursor, limit int) (store.Page, error) {
	if limit <= 0 {
		limit = store.DefaultPageLines
	}
	at, file, off, hasCur := after.Key()
	if !after.IsZero() && !hasCur {
		return store.Page{}, store.ErrBadCursor
	}
	n := uint64(len(s.shards))
	conds := make([][]string, n)
	for _, id := range ids {
		k := id.Lo % n
		conds[k] = append(conds[k], "("+idCond(id)+")")
	}
	where := ""
	if hasCur {
		sec, ns := strconv.FormatUint(at>>32, 10), strconv.FormatUint(at&0xffffffff, 10)
		f, o := strconv.FormatUint(file, 10), strconv.FormatInt(int64(off), 10)
		where = " AND (toUInt32(at) > " + sec + " OR toUInt32(at) = " + sec + " AND (at_ns > " + ns + " OR at_ns = " + ns +
			" AND (file > " + f + " OR file = " + f + " AND offset > " + o + ")))"
	}
	need := limit + 1
	var rows []row
	var bound *row // the first of the shards' last rows, when one had more
	for k, cs := range conds {
		if len(cs) == 0 {
			continue
		}
		if err := s.ensure(ctx, s.shards[k]); err != nil {
			return store.Page{}, err
		}
		q := "SELECT " + tracedCols + " FROM " + s.table(tEntries) + " WHERE (" + strings.Join(cs, " OR ") + ")" + where +
			" ORDER BY at, at_ns, file, offset LIMIT " + strconv.Itoa(need) + " FORMAT TabSeparated"
		got := 0 // rows read, duplicates included: what LIMIT counts
		err := s.streamCount(ctx, s.shards[k], q, func(r *row) bool {
			rows = append(rows, *r)
			return true
		}, &got)
		if err != nil {
			return store.Page{}, fmt.Errorf("chstore: logs of %s: %w", idsString(ids), err)
		}
		if got == need {
			// The shard has more rows after its last: nothing past that
			// row may be in this page, or the next page would miss some.
			if l := &rows[len(rows)-1]; bound == nil || l.less(bound) {
				b := *l
				bound = &b
			}
		}
	}
	pg := pageOf(rows, bound, limit)
	if len(pg.Records) == 0 && after.IsZero() {
		empty, err := s.empty(ctx)
		if err != nil {
			return store.Page{}, err
		}
		if empty {
			return store.Page{}, fmt.Errorf("%s: %w", s.cfg.Database, store.ErrEmpty)
		}
		return store.Page{}, fmt.Errorf("%s: %w", idsString(ids), store.ErrNotFound)
	}
	return pg, nil
}

var _ store.Pager = (*Store)(nil)

// pageOf returns the page rows make, sorted in key order with the copies
// of a row dropped: at most limit rows, none past bound (the first of the
// last rows of the queries that may have had more; nil when none had).
func pageOf(rows []row, bound *row, limit int) store.Page {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].less(&rows[j]) })
	var pg store.Page
	var last *row
	for i := range rows {
		if i > 0 && rows[i].sameKey(&rows[i-1]) {
			continue // a retried write, not yet merged away
		}
		if len(pg.Records) == limit || bound != nil && bound.less(&rows[i]) {
			pg.More = true
			break
		}
		pg.Records = append(pg.Records, rows[i].e.Record)
		last = &rows[i]
	}
	if bound != nil {
		pg.More = true
	}
	if last != nil {
		pg.Next = store.KeyCursor(uint64(last.sec)<<32|uint64(last.ns), last.file, last.off)
	}
	return pg
}

// FirstPages returns the first page of each trace's lines (see
// store.FirstPager): one query per shard for every trace it owns, at
// most limit+1 rows of each trace id's halves (LIMIT … BY), so that a
// list of a hundred traces costs one round trip instead of a hundred.
func (s *Store) FirstPages(ctx context.Context, traces [][]store.TraceID, limit int) ([]store.Page, error) {
	if limit <= 0 {
		limit = store.DefaultPageLines
	}
	// Per shard: the low halves asked (the primary key's first column),
	// the (low, high) pairs of 128-bit ids (each with its 64-bit-only
	// lines, high 0), and the low halves of 64-bit ids (any high half), as
	// idCond matches them. Sets, not a disjunction of idConds: ClickHouse
	// tests a set per row at once, an OR of a hundred terms term by term.
	n := uint64(len(s.shards))
	los := make([][]string, n)
	pairs := make([][]string, n)
	only64 := make([][]string, n)
	for _, ids := range traces {
		for _, id := range ids {
			k := id.Lo % n
			lo := strconv.FormatUint(id.Lo, 10)
			los[k] = append(los[k], lo)
			if id.Only64 {
				only64[k] = append(only64[k], lo)
			} else {
				pairs[k] = append(pairs[k], "("+lo+",0),("+lo+","+strconv.FormatUint(id.Hi, 10)+")")
			}
		}
	}
	need := limit + 1
	var rows []row
	for k := range los {
		if len(los[k]) == 0 {
			continue
		}
		if err := s.ensure(ctx, s.shards[k]); err != nil {
			return nil, err
		}
		var match []string
		if len(pairs[k]) > 0 {
			match = append(match, "(trace_lo, trace_hi) IN ("+strings.Join(pairs[k], ",")+")")
		}
		if len(only64[k]) > 0 {
			match = append(match, "trace_lo IN ("+strings.Join(only64[k], ",")+")")
		}
		// PREWHERE: the id columns are read first and the other columns
		// only where they match. The primary key already narrows the
		// granules, so ClickHouse would not move the condition there by
		// itself, and would read every column of every granule a trace
		// touches (6× the time at a hundred traces).
		q := "SELECT " + tracedCols + " FROM " + s.table(tEntries) + " PREWHERE trace_lo IN (" + strings.Join(los[k], ",") + ") AND (" + strings.Join(match, " OR ") + ")" +
			" ORDER BY at, at_ns, file, offset LIMIT " + strconv.Itoa(need) + " BY trace_lo, trace_hi FORMAT TabSeparated"
		if err := s.streamEvery(ctx, s.shards[k], q, func(r *row) { rows = append(rows, *r) }); err != nil {
			return nil, fmt.Errorf("chstore: logs of %d traces: %w", len(traces), err)
		}
	}
	// Rows per trace id's halves as LIMIT BY counted them, copies of a
	// row not merged away yet included: a group that reached need may
	// have more rows after its last.
	type half struct{ lo, hi uint64 }
	count := map[half]int{}
	last := map[half]*row{}
	for i := range rows {
		h := half{rows[i].lo, rows[i].hi}
		count[h]++
		last[h] = &rows[i] // rows come in key order within a shard
	}
	pages := make([]store.Page, len(traces))
	for t, ids := range traces {
		var mine []row
		var bound *row
		for i := range rows {
			r := &rows[i]
			if !carriesHalves(r.lo, r.hi, ids) {
				continue
			}
			mine = append(mine, *r)
			if h := (half{r.lo, r.hi}); count[h] == need {
				if l := last[h]; bound == nil || l.less(bound) {
					bound = l
				}
			}
		}
		pages[t] = pageOf(mine, bound, limit)
	}
	return pages, nil
}

var _ store.FirstPager = (*Store)(nil)

// carriesHalves reports whether a row with trace id halves lo and hi is a
// line of one of ids, as idCond decides.
func carriesHalves(lo, hi uint64, ids []store.TraceID) bool {
	for _, id := range ids {
		if lo == id.Lo && (id.Only64 || hi == 0 || hi == id.Hi) {
			return true
		}
	}
	return false
}

func idsString(ids []store.TraceID) string {
	var b []string
	for _, id := range ids {
		if id.Only64 {
			b = append(b, id.String()[16:])
		} else {
			b = append(b, id.String())
		}
	}
	return strings.Join(b, " or ")
}

// empty reports whether no shard holds any entry.
func (s *Store) empty(ctx context.Context) (bool, error) {
	for _, sh := range s.shards {
		out, err := sh.queryString(ctx, "SELECT (SELECT count() FROM (SELECT 1 FROM "+s.table(tEntries)+" LIMIT 1)) + (SELECT count() FROM (SELECT 1 FROM "+s.table(tUntraced)+" LIMIT 1))")
		if err != nil {
			return false, fmt.Errorf("chstore: %w", err)
		}
		if strings.TrimSpace(out) != "0" {
			return false, nil
		}
	}
	return true, nil
}

// stream runs a query returning tracedCols or untracedCols rows and calls
// fn for each, skipping rows that repeat the previous row's key (the
// query orders by that key, so duplicates are adjacent).
func (s *Store) stream(ctx context.Context, sh *shard, q string, fn func(r *row) bool) error {
	return s.streamCount(ctx, sh, q, fn, nil)
}

// streamCount is stream that also counts the rows read, duplicates
// included, into *read.
func (s *Store) streamCount(ctx context.Context, sh *shard, q string, fn func(r *row) bool, read *int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rc, err := sh.do(ctx, q, nil)
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	var fields [numCols][]byte
	var prev, cur row
	first := true
	for {
		if err := readRow(br, &cur, &fields); err == io.EOF {
			return nil
		} else if err != nil {
			return &ShardError{Shard: sh.idx, URL: sh.base, Retryable: true, Err: err}
		}
		if read != nil {
			*read++
		}
		if !first && cur.sameKey(&prev) {
			continue
		}
		first = false
		prev = cur
		if !fn(&cur) {
			return nil
		}
	}
}

// streamEvery runs a query returning tracedCols rows and calls fn for
// each, copies of a row included.
func (s *Store) streamEvery(ctx context.Context, sh *shard, q string, fn func(r *row)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rc, err := sh.do(ctx, q, nil)
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	var fields [numCols][]byte
	var r row
	for {
		if err := readRow(br, &r, &fields); err == io.EOF {
			return nil
		} else if err != nil {
			return &ShardError{Shard: sh.idx, URL: sh.base, Retryable: true, Err: err}
		}
		fn(&r)
	}
}

// Range calls fn for every entry with from <= At < to, traced and
// untraced, in time order (then file, then offset). It reads through the
// Distributed tables from the first shard that answers; when a shard is
// down the error names it.
func (s *Store) Range(ctx context.Context, from, to time.Time, fn func(e *store.Entry) bool) error {
	var where []string
	if !from.IsZero() {
		fs, fns := atSeconds(from)
		where = append(where, fmt.Sprintf("(at > toDateTime(%d) OR (at = toDateTime(%d) AND at_ns >= %d))", fs, fs, fns))
	}
	if !to.IsZero() {
		ts, tns := atSeconds(to)
		where = append(where, fmt.Sprintf("(at < toDateTime(%d) OR (at = toDateTime(%d) AND at_ns < %d))", ts, ts, tns))
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	order := " ORDER BY at, at_ns, file, offset FORMAT TabSeparated"
	qt := "SELECT " + tracedCols + " FROM " + s.readTable(tEntries) + w + order
	qu := "SELECT " + untracedCols + " FROM " + s.readTable(tUntraced) + w + order
	sh, err := s.readShard(ctx)
	if err != nil {
		return err
	}
	if err := s.ensureAll(ctx); err != nil {
		return fmt.Errorf("chstore: range: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	// Merge the two ordered streams.
	type item struct {
		r   row
		err error
	}
	feed := func(q string) <-chan item {
		ch := make(chan item, 256)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(ch)
			err := s.stream(ctx, sh, q, func(r *row) bool {
				select {
				case ch <- item{r: *r}:
					return true
				case <-ctx.Done():
					return false
				}
			})
			if err != nil {
				select {
				case ch <- item{err: err}:
				case <-ctx.Done():
				}
			}
		}()
		return ch
	}
	tc, uc := feed(qt), feed(qu)
	var t, u item
	tok, uok := false, false
	next := func(ch <-chan item, it *item) (bool, error) {
		v, ok := <-ch
		if !ok {
			return false, nil
		}
		if v.err != nil {
			return false, v.err
		}
		*it = v
		return true, nil
	}
	fail := func(err error) error {
		return fmt.Errorf("chstore: range: %w", s.nameFailedShard(context.WithoutCancel(ctx), err))
	}
	if tok, err = next(tc, &t); err != nil {
		return fail(err)
	}
	if uok, err = next(uc, &u); err != nil {
		return fail(err)
	}
	for tok || uok {
		if tok && (!uok || !u.r.less(&t.r)) {
			if !fn(&t.r.e) {
				return nil
			}
			if tok, err = next(tc, &t); err != nil {
				return fail(err)
			}
		} else {
			if !fn(&u.r.e) {
				return nil
			}
			if uok, err = next(uc, &u); err != nil {
				return fail(err)
			}
		}
	}
	return nil
}

// readShard returns the first shard that answers /ping: any server of the
// cluster can answer a query over the Distributed tables.
func (s *Store) readShard(ctx context.Context) (*shard, error) {
	var errs []error
	for _, sh := range s.shards {
		err := sh.ping(ctx)
		if err == nil {
			return sh, nil
		}
		errs = append(errs, err)
		if s.cfg.Cluster == "" {
			break
		}
	}
	return nil, fmt.Errorf("chstore: no shard answers: %w", errors.Join(errs...))
}

// nameFailedShard turns the error of a query through a Distributed table
// (which names a server by its native-protocol address, if at all) into
// one that names the shards that do not answer.
func (s *Store) nameFailedShard(ctx context.Context, err error) error {
	if len(s.shards) < 2 {
		return err
	}
	var down []error
	for _, sh := range s.shards {
		if perr := sh.ping(ctx); perr != nil {
			down = append(down, perr)
		}
	}
	if len(down) == 0 {
		return err
	}
	return fmt.Errorf("%w (%v)", errors.Join(down...), err)
}

// Stats describes the store: checkpoints, partitions (days), bytes on disk
// over all shards. Newest has one-second resolution.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		return store.Stats{}, err
	}
	st := store.Stats{Files: len(cps), Compression: "lz4", DataDirectory: strings.Join(s.cfg.Shards, " ")}
	days := map[uint32]bool{}
	var newest uint64
	for _, sh := range s.shards {
		out, err := sh.queryString(ctx, fmt.Sprintf(
			"SELECT partition, toUInt32(max(max_time)), sum(bytes_on_disk) FROM system.parts WHERE active AND database = '%s' GROUP BY partition FORMAT TabSeparated", s.cfg.Database))
		if err != nil {
			return st, fmt.Errorf("chstore: stats: %w", err)
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.Split(line, "\t")
			if len(f) != 3 {
				continue
			}
			b, _ := strconv.ParseInt(f[2], 10, 64)
			st.SizeBytes += b
			if day, err := strconv.ParseUint(f[0], 10, 32); err == nil && day > 19000000 {
				days[uint32(day)] = true
				if m, _ := strconv.ParseUint(f[1], 10, 64); m > newest {
					newest = m
				}
			}
		}
	}
	st.LiveBytes = st.SizeBytes
	st.Buckets = len(days)
	if newest > 0 {
		st.Newest = time.Unix(int64(newest), 0).UTC()
	}
	if len(days) > 0 {
		ds := sortedDays(days)
		st.Oldest = dayStart(ds[0])
	}
	return st, nil
}

func sortedDays(m map[uint32]bool) []uint32 {
	ds := make([]uint32, 0, len(m))
	for d := range m {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds
}

// dayStart turns a toYYYYMMDD partition into the day's start.
func dayStart(d uint32) time.Time {
	return time.Date(int(d/10000), time.Month(d/100%100), int(d%100), 0, 0, 0, 0, time.UTC)
}

// Expire drops, on every shard, the day partitions of both entry tables
// that ended more than retention before the newest entry time held (never
// later than now plus a day), and returns how many days it dropped.
func (s *Store) Expire(ctx context.Context, retention time.Duration) (int, error) {
	if retention <= 0 {
		return 0, nil
	}
	st, err := s.Stats(ctx)
	if err != nil {
		return 0, err
	}
	ref := st.Newest
	if lim := time.Now().Add(24 * time.Hour); ref.After(lim) {
		ref = lim
	}
	cut := ref.Add(-retention)
	dropped := map[uint32]bool{}
	for _, sh := range s.shards {
		out, err := sh.queryString(ctx, fmt.Sprintf(
			"SELECT DISTINCT table, partition FROM system.parts WHERE active AND database = '%s' AND table IN ('%s%s', '%s%s') FORMAT TabSeparated",
			s.cfg.Database, tEntries, localSuffix, tUntraced, localSuffix))
		if err != nil {
			return len(dropped), fmt.Errorf("chstore: expire: %w", err)
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.Split(line, "\t")
			if len(f) != 2 {
				continue
			}
			day, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil {
				continue
			}
			if dayStart(uint32(day)).Add(24 * time.Hour).After(cut) {
				continue
			}
			if err := sh.exec(ctx, fmt.Sprintf("ALTER TABLE %s.%s DROP PARTITION %d", s.cfg.Database, f[0], day), nil); err != nil {
				return len(dropped), fmt.Errorf("chstore: expire day %d: %w", day, err)
			}
			dropped[uint32(day)] = true
		}
	}
	return len(dropped), ctx.Err()
}
