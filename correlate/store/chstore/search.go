package chstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/traceline/traceline/correlate/store"
)

// Search returns a page of the entries q matches, newest first (see
// store.Searcher).
//
// Both entry tables are partitioned by day, and ClickHouse keeps the
// least and greatest entry time of every part (the partition key's
// min-max index), so a window reads only the parts that overlap it. The
// untraced table is ordered by time: a window is a primary-key range
// there. The traced table is ordered by trace id for lookups, so within
// the parts of the window its time, level and service columns are
// scanned (columnar, a few bytes a row), and only the rows that pass are
// read in full. Service, level, window and text conditions run in
// ClickHouse; field conditions, which need the raw line parsed, run here
// on the rows it returns, a batch at a time.
func (s *Store) Search(ctx context.Context, q store.SearchQuery) (store.SearchPage, error) {
	var pg store.SearchPage
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultSearchLimit
	}
	limit = min(limit, store.MaxSearchLimit)
	var cur *row // exclusive upper key
	if at, file, off, ok := q.After.Key(); ok {
		cur = &row{sec: uint32(at >> 32), ns: uint32(at), file: file, off: off}
	} else if !q.After.IsZero() {
		return pg, store.ErrBadCursor
	}
	sh, err := s.readShard(ctx)
	if err != nil {
		return pg, err
	}
	if err := s.ensureAll(ctx); err != nil {
		return pg, fmt.Errorf("chstore: search: %w", err)
	}
	batch := limit + 1
	if len(q.Fields) > 0 {
		batch = max(batch, 1000) // most rows may fail the field test
	}
	var found []row
	for len(found) <= limit {
		var streams [][]row
		full := false
		var horizon *row // the newest of the full streams' last rows
		for _, traced := range []bool{true, false} {
			if !traced && q.Traced {
				continue
			}
			rows, got, err := s.searchTable(ctx, sh, &q, traced, cur, batch)
			if err != nil {
				return pg, fmt.Errorf("chstore: search: %w", s.nameFailedShard(context.WithoutCancel(ctx), err))
			}
			if got == batch {
				full = true
				if l := &rows[len(rows)-1]; horizon == nil || horizon.less(l) {
					h := *l
					horizon = &h
				}
			}
			streams = append(streams, rows)
		}
		merged := mergeDesc(streams)
		for i := range merged {
			r := &merged[i]
			if horizon != nil && r.less(horizon) {
				break // beyond what every stream has answered
			}
			pg.Scanned++
			if i > 0 && r.sameKey(&merged[i-1]) {
				continue
			}
			if !q.Match(&r.e) {
				continue
			}
			found = append(found, *r)
			if len(found) > limit {
				break
			}
		}
		if !full {
			break
		}
		cur = horizon
	}
	if len(found) > limit {
		found = found[:limit]
		pg.More = true
		l := &found[limit-1]
		pg.Next = store.KeyCursor(uint64(l.sec)<<32|uint64(l.ns), l.file, l.off)
	}
	for i := range found {
		pg.Entries = append(pg.Entries, found[i].e)
	}
	return pg, nil
}

var _ store.Searcher = (*Store)(nil)

// searchTable returns, newest first, at most limit rows of one entry
// table that q's window, service, level and text conditions match before
// the key cur (nil: from the newest), and how many rows ClickHouse
// returned for them (copies of a row not merged away yet included).
//
// Without a text condition it reads in two passes. The first orders only
// the matching rows' keys, trace ids, levels and services: ordering whole
// rows would read the message and raw line of every matching row (most of
// a day's data for level=error), although a page keeps limit of them.
// That pass is the whole answer of an IndexOnly query. Otherwise the
// second reads the chosen rows whole, by primary key in the traced table
// and within their seconds in the untraced one. A text condition reads
// the message and raw line of every row in the window anyway, so such a
// search reads whole rows in one pass.
func (s *Store) searchTable(ctx context.Context, sh *shard, q *store.SearchQuery, traced bool, cur *row, limit int) ([]row, int, error) {
	var keys []row
	got := 0
	err := s.streamCount(ctx, sh, searchSQL(s, q, traced, cur, limit), func(r *row) bool {
		keys = append(keys, *r)
		return true
	}, &got)
	if err != nil || len(keys) == 0 || q.IndexOnly && !q.NeedsEntry() || q.Text != "" {
		return keys, got, err
	}
	whole := make(map[rowKey]row, len(keys))
	err = s.stream(ctx, sh, wholeRowsSQL(s, traced, keys), func(r *row) bool {
		whole[r.key()] = *r
		return true
	})
	if err != nil {
		return nil, got, err
	}
	rows := keys[:0]
	for i := range keys {
		if r, ok := whole[keys[i].key()]; ok { // else deleted meanwhile
			rows = append(rows, r)
		}
	}
	return rows, got, nil
}

// rowKey is a row's identity in either entry table.
type rowKey struct {
	sec, ns           uint32
	file, off, lo, hi uint64
}

func (r *row) key() rowKey {
	return rowKey{sec: r.sec, ns: r.ns, file: r.file, off: r.off, lo: r.lo, hi: r.hi}
}

// wholeRowsSQL reads the rows of keys (searchTable's first pass) whole.
func wholeRowsSQL(s *Store, traced bool, keys []row) string {
	oldest, newest := keys[0].sec, keys[0].sec
	for i := range keys {
		oldest, newest = min(oldest, keys[i].sec), max(newest, keys[i].sec)
	}
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	var b strings.Builder
	cols, table := tracedCols, tEntries
	if !traced {
		cols, table = untracedCols, tUntraced
	}
	b.WriteString("SELECT " + cols + " FROM " + s.readTable(table) +
		" WHERE at >= toDateTime(" + u(uint64(oldest)) + ") AND at <= toDateTime(" + u(uint64(newest)) + ")")
	if traced {
		b.WriteString(" AND trace_lo IN (")
		for i := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(u(keys[i].lo))
		}
		b.WriteString(") AND (trace_lo, trace_hi, toUInt32(at), at_ns, file, offset) IN (")
	} else {
		b.WriteString(" AND (toUInt32(at), at_ns, file, offset) IN (")
	}
	for i := range keys {
		k := &keys[i]
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		if traced {
			b.WriteString(u(k.lo) + "," + u(k.hi) + ",")
		}
		b.WriteString(u(uint64(k.sec)) + "," + u(uint64(k.ns)) + "," + u(k.file) + "," + strconv.FormatInt(int64(k.off), 10) + ")")
	}
	b.WriteString(") FORMAT TabSeparated")
	return b.String()
}

// searchSQL is the first pass of searchTable: at most limit rows of one
// entry table for q, newest first, before the key cur (nil: from the
// newest); their keys only (keyCols) unless q has a text condition.
func searchSQL(s *Store, q *store.SearchQuery, traced bool, cur *row, limit int) string {
	var where []string
	if !q.From.IsZero() {
		fs, fns := atSeconds(q.From)
		where = append(where, fmt.Sprintf("(at > toDateTime(%d) OR (at = toDateTime(%d) AND at_ns >= %d))", fs, fs, fns))
	}
	if !q.To.IsZero() {
		ts, tns := atSeconds(q.To)
		where = append(where, fmt.Sprintf("(at < toDateTime(%d) OR (at = toDateTime(%d) AND at_ns < %d))", ts, ts, tns))
	}
	if cur != nil {
		sec, ns := strconv.FormatUint(uint64(cur.sec), 10), strconv.FormatUint(uint64(cur.ns), 10)
		f, o := strconv.FormatUint(cur.file, 10), strconv.FormatInt(int64(cur.off), 10)
		where = append(where, "(toUInt32(at) < "+sec+" OR toUInt32(at) = "+sec+" AND (at_ns < "+ns+" OR at_ns = "+ns+
			" AND (file < "+f+" OR file = "+f+" AND offset < "+o+")))")
	}
	if len(q.Services) > 0 {
		where = append(where, "service IN ("+sqlList(q.Services)+")")
	}
	if len(q.Levels) > 0 {
		where = append(where, "level IN ("+sqlList(q.Levels)+")")
	}
	if q.Text != "" {
		c := "positionCaseInsensitiveUTF8(msg, " + sqlString(q.Text) + ") > 0"
		if traced {
			c = "(" + c + " OR positionCaseInsensitiveUTF8(raw, " + sqlString(q.Text) + ") > 0)"
		}
		where = append(where, c)
	}
	cols, table := keyCols, tEntries
	if !traced {
		cols, table = untracedKeyCols, tUntraced
	}
	if q.Text != "" {
		// The text condition reads the message and raw line of every row
		// anyway: one pass of whole rows costs no more than the keys.
		cols = tracedCols
		if !traced {
			cols = untracedCols
		}
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	return "SELECT " + cols + " FROM " + s.readTable(table) + w +
		" ORDER BY at DESC, at_ns DESC, file DESC, offset DESC LIMIT " + strconv.Itoa(limit) + " FORMAT TabSeparated"
}

// mergeDesc merges streams ordered newest first into one.
func mergeDesc(streams [][]row) []row {
	var out []row
	idx := make([]int, len(streams))
	for {
		best := -1
		for i, st := range streams {
			if idx[i] < len(st) && (best < 0 || streams[best][idx[best]].less(&st[idx[i]])) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		out = append(out, streams[best][idx[best]])
		idx[best]++
	}
}

// sqlString quotes s as a ClickHouse string literal.
func sqlString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		case 0:
			b.WriteString(`\0`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func sqlList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = sqlString(s)
	}
	return strings.Join(q, ", ")
}
