package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/traceline/traceline/correlate/search"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// searchOptions are the settings of `correlate search`.
type searchOptions struct {
	index    lookupFlags
	window   windowFlags
	services []string
	levels   []string
	fields   []string
	traced   bool
	limit    int
	cursor   string
	format   string
}

// windowFlags are --since, --from and --to.
type windowFlags struct {
	since    time.Duration
	from, to string
}

func (w *windowFlags) add(cmd *cobra.Command, def string) {
	cmd.Flags().Var(durationFlag{&w.since}, "since", "the window ends now and is this `DURATION` long (default "+def+")")
	cmd.Flags().StringVar(&w.from, "from", "", "start of the window, an RFC 3339 `TIME`")
	cmd.Flags().StringVar(&w.to, "to", "", "end of the window, an RFC 3339 `TIME` (default now)")
}

// values sets the window's parameters in v.
func (w *windowFlags) values(v url.Values) {
	if w.since > 0 {
		v.Set("since", w.since.String())
	}
	if w.from != "" {
		v.Set("from", w.from)
	}
	if w.to != "" {
		v.Set("to", w.to)
	}
}

func newSearchCommand(e *Env) *cobra.Command {
	var o searchOptions
	cmd := &cobra.Command{
		Use:   "search [--since 1h | --from T --to T] [--service S]... [--level L]... [--field K=V]... [--data DIR | --server URL] [TEXT]",
		Short: "find log lines by time, service, level, text and field, newest first",
		Long: `Searches the index for the entries of a time window (the last hour unless
--since or --from/--to say otherwise) that match every condition given:

  --service S     the entry's service (repeatable: any of them)
  --level L       its level (repeatable); warn+ is warn and everything above
  TEXT            occurs in the message or the raw line, ignoring case
  --field K=V     a field of the raw line has exactly this value (repeatable)
  --traced        only entries that carry a trace id

A line without a trace id is kept without its raw text unless the index
was built with --untraced full (index and serve): TEXT then matches the
start of its message only, and --field does not match it.

Entries come newest first, --limit at a time (default 100); --cursor C
continues where the previous page ended (json prints it as "next"). Each
line names its trace and span: "correlate trace ID" shows the request.

The text format prints one entry a line; json prints the answer of the
service's GET /api/v1/search. When nothing matches, the reason (an empty
index, a window outside what the index holds, or no match) goes to stderr
and the exit status is 1.`,
		Example: `  correlate search --data idx --service worker --level error
  correlate search --data idx --since 15m timeout
  correlate search --server http://127.0.0.1:8089 --field patient=P-42 --format json`,
	}
	o.index.add(cmd.Flags())
	o.window.add(cmd, "1h")
	fs := cmd.Flags()
	fs.Var(listFlag{&o.services}, "service", "only this `SERVICE` (repeatable)")
	fs.Var(listFlag{&o.levels}, "level", "only this `LEVEL`, or LEVEL+ for it and above (repeatable)")
	fs.Var(listFlag{&o.fields}, "field", "only entries whose field `KEY=VALUE` matches (repeatable)")
	fs.BoolVar(&o.traced, "traced", false, "only entries with a trace id")
	fs.IntVar(&o.limit, "limit", store.DefaultSearchLimit, fmt.Sprintf("print at most `N` entries (at most %d)", store.MaxSearchLimit))
	fs.StringVar(&o.cursor, "cursor", "", "continue after the page that gave this `CURSOR`")
	fs.StringVar(&o.format, "format", "text", "text or json")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.MarkFlagDirname("data")
	cmd.RunE = runE(func(ctx context.Context, args []string) error { return o.run(ctx, e, args) })
	return cmd
}

// validate checks the command line and returns the query's parameters,
// as GET /api/v1/search takes them.
func (o *searchOptions) validate(e *Env, args []string) (url.Values, store.SearchQuery, error) {
	o.index.resolve(e)
	if err := o.index.requireData(); err != nil {
		return nil, store.SearchQuery{}, err
	}
	if o.format != "text" && o.format != "json" {
		return nil, store.SearchQuery{}, usagef("--format must be text or json, not %q", o.format)
	}
	if len(args) > 1 {
		return nil, store.SearchQuery{}, usagef("want at most one TEXT to search for, got %d arguments (quote a text with spaces)", len(args))
	}
	v := url.Values{}
	o.window.values(v)
	for _, s := range o.services {
		v.Add("service", s)
	}
	for _, l := range o.levels {
		v.Add("level", l)
	}
	for _, f := range o.fields {
		v.Add("field", f)
	}
	if len(args) == 1 {
		v.Set("q", args[0])
	}
	if o.traced {
		v.Set("traced", "1")
	}
	if o.limit < 1 {
		return nil, store.SearchQuery{}, usagef("--limit must be at least 1")
	}
	v.Set("limit", strconv.Itoa(o.limit))
	if o.cursor != "" {
		v.Set("cursor", o.cursor)
	}
	q, err := search.ParseQuery(v, time.Now())
	if err != nil {
		return nil, q, usagef("%s", flagError(err))
	}
	return v, q, nil
}

// flagError turns a parameter's error into the flag's: "since: …" reads
// "--since: …".
func flagError(err error) string {
	s := err.Error()
	if k, rest, ok := strings.Cut(s, ": "); ok && !strings.Contains(k, " ") {
		if k == "q" {
			k = "TEXT"
		} else {
			k = "--" + k
		}
		return k + ": " + rest
	}
	return s
}

// run prints a page of matching entries.
func (o *searchOptions) run(ctx context.Context, e *Env, args []string) error {
	v, q, err := o.validate(e, args)
	if err != nil {
		return err
	}
	var resp search.Response
	var stats *store.Stats // when nothing matched
	err = withIndex(e, o.index, func(r *remoteReader) error {
		if err := r.getJSON(ctx, "/api/v1/search?"+v.Encode(), &resp); err != nil {
			return err
		}
		stats = statsIfEmpty(ctx, r, len(resp.Entries))
		return nil
	}, func(st *pebblestore.Store) error {
		resp, err = search.Run(ctx, st, q)
		if err != nil {
			return err
		}
		stats = statsIfEmpty(ctx, st, len(resp.Entries))
		return nil
	})
	if errors.Is(err, store.ErrBadCursor) {
		return usagef("--cursor: %v", err)
	}
	if err != nil {
		return err
	}
	if o.format == "json" {
		if err := writeJSONTo(e.Stdout, resp); err != nil {
			return err
		}
	} else {
		printEntries(e.Stdout, resp.Entries)
		if resp.Next != "" {
			fmt.Fprintf(e.Stderr, "more: --cursor %s\n", resp.Next)
		}
	}
	if len(resp.Entries) == 0 {
		return errors.New(whyNothing(stats, resp.Window.From, resp.Window.To, "no entry in the window matches", q.After.IsZero()))
	}
	return nil
}

// withIndex runs remote against the service --server names (or that holds
// the data folder), else local against the data folder's store, opened
// read-only.
func withIndex(e *Env, l lookupFlags, remote func(*remoteReader) error, local func(*pebblestore.Store) error) error {
	if l.server != "" {
		r, err := newRemoteReader(l.server, e.Getenv("CORRELATE_TOKEN"))
		if err != nil {
			return usagef("--server: %v", err)
		}
		return remote(r)
	}
	st, err := openStore(l.data, true, pebblestore.Options{})
	if errors.Is(err, pebblestore.ErrLocked) {
		if r, rerr := serverFor(l.data); rerr == nil {
			return remote(r)
		}
	}
	if err != nil {
		return err
	}
	defer st.Close()
	return local(st)
}

// statsIfEmpty returns what the index holds when an answer had n == 0
// results (nil otherwise, or when that is unknown).
func statsIfEmpty(ctx context.Context, r store.Reader, n int) *store.Stats {
	if n > 0 {
		return nil
	}
	st, err := r.Stats(ctx)
	if err != nil {
		return nil
	}
	return &st
}

// whyNothing says why a search or a list found nothing: an empty index,
// a window outside what it holds (st, when known), or no match (noMatch).
func whyNothing(st *store.Stats, from, to time.Time, noMatch string, firstPage bool) string {
	if !firstPage {
		return "no more entries"
	}
	if st == nil {
		return noMatch
	}
	const f = "2006-01-02 15:04:05Z07:00"
	switch {
	case st.Newest.IsZero():
		return "the index is empty: run `correlate index --data DIR PATH...` first, or wait for `correlate serve` to read its logs"
	case !st.Oldest.IsZero() && to.Before(st.Oldest), from.After(st.Newest):
		return fmt.Sprintf("the window %s to %s is outside what the index holds (entries from %s to %s): give --since or --from/--to",
			from.Format(f), to.Format(f), st.Oldest.Format(f), st.Newest.Format(f))
	}
	return noMatch
}

// printEntries writes one line per entry: time, level, service, message,
// trace and span, file and line.
func printEntries(w io.Writer, es []search.Entry) {
	for _, en := range es {
		t := en.Time.Format("2006-01-02T15:04:05.000Z07:00")
		if en.TimeApprox {
			t = "~" + t
		}
		level := en.Level
		if level == "" {
			level = "-"
		}
		service := en.Service
		if service == "" {
			service = "-"
		}
		ids := ""
		if en.TraceID != "" {
			ids = "  trace=" + en.TraceID
			if en.SpanID != "" {
				ids += " span=" + en.SpanID
			}
		}
		fmt.Fprintf(w, "%s  %-5s  %s  %s%s  %s:%d\n", t, level, service, oneLine(en.Msg), ids, en.File, en.Line)
	}
}

// oneLine cuts a message at its first line break.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// getJSON GETs path from the service and decodes its JSON answer into v.
func (r *remoteReader) getJSON(ctx context.Context, path string, v any) error {
	resp, err := r.get(ctx, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("the service at %s answered something that is not JSON: %w", r.base, err)
	}
	return nil
}
