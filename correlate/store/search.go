package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultSearchLimit is how many entries a search returns unless asked for
// fewer; MaxSearchLimit is the most it returns at once.
const (
	DefaultSearchLimit = 100
	MaxSearchLimit     = 1000
)

// ErrNoSearchIndex is returned (wrapped) by Searcher.Search on a store
// written before it kept the search index: index the logs again (into a
// new data folder) to search them.
var ErrNoSearchIndex = errors.New("this index has no search index: index the logs again into a new data folder to search them")

// SearchQuery says which entries a search returns. Every condition given
// must hold.
type SearchQuery struct {
	// From and To bound the entry times: From <= At < To. A zero time
	// leaves that end open.
	From, To time.Time
	// Services, when not empty, are the services wanted (exact).
	Services []string
	// Levels, when not empty, are the levels wanted (exact, lower-case,
	// as parse normalises them; "" is an entry without a level).
	Levels []string
	// Text, when not empty, must occur in the message or the raw line,
	// ignoring case.
	Text string
	// Fields must each match a parsed field of the raw line exactly.
	Fields []FieldMatch
	// Traced keeps only entries with a trace id.
	Traced bool
	// IndexOnly asks for entries with only what a time index holds: At,
	// Service, Level and the trace id (TraceID, or TraceIDLow for a
	// 64-bit id); no message, raw line, file or line. A store answers
	// such a search without reading the entries themselves when it can
	// (and with whole entries otherwise). Text and field conditions
	// still apply.
	IndexOnly bool
	// After is the Next of the previous page; zero for the first.
	After Cursor
	// Limit is the page size: DefaultSearchLimit when <= 0, at most
	// MaxSearchLimit.
	Limit int
}

// FieldMatch is a field=value condition of a search.
type FieldMatch struct{ Key, Value string }

// SearchPage is one page of a search's entries, newest first.
type SearchPage struct {
	Entries []Entry
	// Next is the cursor of the next page; More says there is one.
	Next Cursor
	More bool
	// Scanned is how many index entries the search looked at.
	Scanned int
}

// Searcher is a store that searches its entries by time, newest first,
// through a time-ordered index.
type Searcher interface {
	// Search returns a page of the entries q matches, newest first (At,
	// then file, then offset, descending). A store without its search
	// index returns an error wrapping ErrNoSearchIndex.
	Search(ctx context.Context, q SearchQuery) (SearchPage, error)
}

// Levels in rank order: LevelRank gives an entry's level its place, so
// that "warn and above" is a range. Unknown levels rank 0.
var levelRanks = map[string]int{"trace": 1, "debug": 2, "info": 3, "warn": 4, "error": 5, "dpanic": 6, "panic": 7, "fatal": 8}

// LevelRank is the rank of a normalised level: 1 trace, 2 debug, 3 info,
// 4 warn, 5 error, 6 dpanic, 7 panic, 8 fatal; 0 for any other.
func LevelRank(level string) int { return levelRanks[level] }

// ExpandLevel reads a level condition: a level ("error"), or a level and
// those above it ("warn+"). It fails on a word that is not a level.
func ExpandLevel(s string) ([]string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	base, plus := strings.CutSuffix(s, "+")
	r, ok := levelRanks[base]
	if !ok {
		if plus || base == "" {
			return nil, errors.New("level " + strconv.Quote(s) + ": want trace, debug, info, warn, error, dpanic, panic or fatal, optionally with + for that level and above")
		}
		return []string{base}, nil // a level word of its own (go-zero's "slow")
	}
	if !plus {
		return []string{base}, nil
	}
	var out []string
	for l, lr := range levelRanks {
		if lr >= r {
			out = append(out, l)
		}
	}
	return out, nil
}

// ErrorRank is the rank from which a level counts as an error (error,
// dpanic, panic, fatal).
const ErrorRank = 5

// Match reports whether e meets q's conditions other than its window and
// cursor.
func (q *SearchQuery) Match(e *Entry) bool {
	if !q.MatchIndexed(e.Service, e.Level, e.TraceID != "" || e.TraceIDLow != "") {
		return false
	}
	if q.Text != "" && !containsFold(e.Msg, q.Text) && !containsFold(e.Raw, q.Text) {
		return false
	}
	if len(q.Fields) > 0 {
		fs := Fields(e.Raw)
		for _, f := range q.Fields {
			if v, ok := fs[f.Key]; !ok || v != f.Value {
				return false
			}
		}
	}
	return true
}

// MatchIndexed reports whether an entry of that service and level, with
// or without a trace, meets q's service, level and traced conditions.
func (q *SearchQuery) MatchIndexed(service, level string, traced bool) bool {
	if q.Traced && !traced {
		return false
	}
	if len(q.Services) > 0 && !slices.Contains(q.Services, service) {
		return false
	}
	if len(q.Levels) > 0 && !slices.Contains(q.Levels, level) {
		return false
	}
	return true
}

// NeedsEntry reports whether q has conditions that only the whole entry
// can answer (text, fields).
func (q *SearchQuery) NeedsEntry() bool { return q.Text != "" || len(q.Fields) > 0 }

// containsFold reports whether sub occurs in s, ignoring case (ASCII
// fast path; Unicode simple folding otherwise).
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	if len(sub) > len(s) {
		return false
	}
	ascii := true
	for i := 0; i < len(sub); i++ {
		if sub[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
	}
	first := lowerASCII(sub[0])
	for i := 0; i+len(sub) <= len(s); i++ {
		if lowerASCII(s[i]) != first {
			continue
		}
		j := 1
		for ; j < len(sub) && lowerASCII(s[i+j]) == lowerASCII(sub[j]); j++ {
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Fields returns the top-level fields of a raw line: the scalar members of
// a JSON object (numbers and booleans as written, nested objects with
// dotted keys), or the key=value pairs of a text line (logfmt, slog's
// TextHandler, logrus). A line with neither has none.
func Fields(raw string) map[string]string {
	line, _, _ := strings.Cut(raw, "\n")
	line = strings.TrimSpace(line)
	out := map[string]string{}
	if strings.HasPrefix(line, "{") {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(line), &m) == nil {
			flatten(out, "", m, 0)
			return out
		}
	}
	// key=value or key="quoted value"
	for i := 0; i < len(line); {
		for i < len(line) && line[i] == ' ' || i < len(line) && line[i] == '\t' {
			i++
		}
		k := i
		for i < len(line) && line[i] != '=' && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		if i >= len(line) || line[i] != '=' || i == k {
			for i < len(line) && line[i] != ' ' && line[i] != '\t' {
				i++
			}
			continue
		}
		key := line[k:i]
		i++
		if i < len(line) && line[i] == '"' {
			j := i + 1
			for j < len(line) && line[j] != '"' {
				if line[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(line) {
				break
			}
			if v, err := strconv.Unquote(line[i : j+1]); err == nil {
				out[key] = v
			}
			i = j + 1
			continue
		}
		v := i
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		out[key] = line[v:i]
	}
	return out
}

func flatten(out map[string]string, prefix string, m map[string]json.RawMessage, depth int) {
	for k, v := range m {
		key := prefix + k
		if len(v) == 0 {
			continue
		}
		switch v[0] {
		case '"':
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[key] = s
			}
		case '{':
			var sub map[string]json.RawMessage
			if depth < 4 && json.Unmarshal(v, &sub) == nil {
				flatten(out, key+".", sub, depth+1)
			}
		default: // numbers, booleans, null and arrays as written
			out[key] = string(v)
		}
	}
}
