package app

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/internal/progress"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/redact"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// indexMemoryLimit is the soft limit of the Go heap while `correlate
// index` runs, unless GOMEMLIMIT sets one.
const indexMemoryLimit = 192 << 20

// indexOptions are the settings of `correlate index`.
type indexOptions struct {
	data                        string
	pc                          parseConfig
	retention                   time.Duration
	compression, untraced, host string
	quiet, compact              bool
	redact                      redact.Config
}

func newIndexCommand(e *Env) *cobra.Command {
	var o indexOptions
	cmd := &cobra.Command{
		Use:   "index --data DIR PATH...",
		Short: "index log files, folders and globs by trace id into DIR",
		Long: `Reads every file PATH names (a file, a folder and everything under it, or a
glob such as '/var/log/app/*.log*'; .gz files are decompressed) and stores
its entries in the index in DIR, created if missing. Then "correlate logs"
finds a trace's lines in milliseconds, even after the files are rotated,
compressed or deleted.

Running it again reads only what is new: each file is known by its first
bytes (not its name), and where its indexing stopped is saved together with
the entries. A last line without its newline is left for the next run.
Entries older than --retention before the newest entry are dropped.

Files are read on every core. Entries are first spilled to files in DIR (about
as large as the logs read), then sorted and written once into the index when
the reading is done: the new entries become visible, and durable, only then;
an interrupted run is read again by the next one. --compact=false writes
through Pebble's memtable instead (each batch durable at once, a larger index,
slower).

--redact-key and --redact-pattern mask private values before anything is
stored, as they do for serve.

A file that cannot be read (a damaged or cut .gz, a read error, a path that
is not a regular file) is skipped with a warning line on stderr, and the
exit status stays 0; the next run tries it again.

On a terminal a progress bar shows on stderr; otherwise one summary line.`,
		Example: `  correlate index --data ~/.cache/correlate ./logs
  correlate index '/var/log/pods/*/*/*.log*' --data /var/lib/correlate --retention 7d`,
	}
	fs := cmd.Flags()
	fs.StringVar(&o.data, "data", "", "the index `DIR` (default $CORRELATE_DATA)")
	o.pc.add(fs)
	fs.Var(durationFlag{&o.retention}, "retention", "drop entries older than `AGE` before the newest one (e.g. 30d, 72h; 0 keeps all)")
	fs.StringVar(&o.compression, "compression", "zstd", "index block `COMPRESSION`: zstd, snappy, minlz or none")
	fs.StringVar(&o.untraced, "untraced", "compact", "`MODE` for entries without a trace id: compact (no raw line), full or none")
	fs.StringVar(&o.host, "host", "", "host `NAME` mixed into file fingerprints (default: this host's name)")
	fs.BoolVar(&o.quiet, "quiet", false, "print nothing but errors")
	fs.BoolVar(&o.compact, "compact", true, "write the index in one pass when the reading is done: smaller, faster, lookups touch one file")
	fs.Var(redact.List{Dst: &o.redact.Keys}, redact.KeyFlag, redact.KeyUsage)
	fs.Var(redact.List{Dst: &o.redact.Patterns}, redact.PatternFlag, redact.PatternUsage)
	cmd.MarkFlagDirname("data")
	cmd.RegisterFlagCompletionFunc("compression", cobra.FixedCompletions([]string{"zstd", "snappy", "minlz", "none"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("untraced", cobra.FixedCompletions([]string{"compact", "full", "none"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RunE = runE(func(ctx context.Context, args []string) error { return o.run(ctx, e, args) })
	return cmd
}

// validate checks the command line and returns the data folder and the
// parser's configuration.
func (o *indexOptions) validate(e *Env, args []string) (string, parse.Config, error) {
	dir, err := dataDir(e, o.data)
	if err != nil {
		return "", parse.Config{}, err
	}
	if len(args) == 0 {
		return "", parse.Config{}, usagef("give at least one PATH to index")
	}
	pcfg, err := o.pc.config()
	if err != nil {
		return "", parse.Config{}, err
	}
	if pcfg.Redact, err = o.redact.EntryFunc(); err != nil {
		return "", parse.Config{}, usagef("%v", err)
	}
	return dir, pcfg, nil
}

// run indexes the files args name.
func (o *indexOptions) run(ctx context.Context, e *Env, args []string) error {
	start := time.Now()
	dir, pcfg, err := o.validate(e, args)
	if err != nil {
		return err
	}
	if e.Getenv("GOMEMLIMIT") == "" {
		// The load's live heap is about 120 MiB (two runs of encoded
		// entries, then the sort of one spill part per core); left to
		// GOGC the heap grows to twice that. Measured at 10 M lines: peak
		// RSS 309-338 MB without a limit, 222 MB with this one, in the
		// same time.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(indexMemoryLimit))
	}
	st, err := openStore(dir, false, pebblestore.Options{Compression: o.compression, Untraced: o.untraced, DisableWAL: true, BulkLoad: o.compact})
	if err != nil {
		return err
	}
	cfg := ingest.DefaultConfig()
	cfg.Paths = args
	cfg.Exclude = []string{dir}
	cfg.Parse = pcfg
	if o.host != "" {
		cfg.Host = o.host
	}
	var bar *progress.Bar
	if !o.quiet && e.StderrFile != nil && progress.IsTerminal(e.StderrFile) {
		cfg.Progress = func(s ingest.Stats) {
			if bar == nil {
				bar = progress.NewBar(e.Stderr, s.BytesTotal)
			}
			bar.Update(s.BytesRead, s.Lines)
		}
	}
	stats, err := ingest.Index(ctx, st, cfg)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		st.Close()
		return err
	}
	// The bulk load sorts and writes what it read at the first of these
	// (about as long as the reading): say so.
	writing := !o.quiet && bar != nil && o.compact && stats.Entries > 0
	if writing {
		fmt.Fprint(e.Stderr, "writing the index…")
	}
	if err := o.finish(ctx, st, stats); err != nil {
		st.Close()
		return err
	}
	if writing {
		fmt.Fprint(e.Stderr, "\r\x1b[K")
	}
	if err := st.Close(); err != nil {
		return err
	}
	if !o.quiet {
		printIndexSummary(e.Stderr, stats, dir, time.Since(start))
	}
	// Files that cannot be read are skipped, not fatal: the others are
	// indexed, and the next run tries them again.
	failed := make([]string, 0, len(stats.Failed))
	for p := range stats.Failed {
		failed = append(failed, p)
	}
	sort.Strings(failed)
	for _, p := range failed {
		fmt.Fprintf(e.Stderr, "warning: skipped %s: %s\n", p, strings.TrimPrefix(stats.Failed[p], p+": "))
	}
	return nil
}

// finish applies the retention and, for a bulk load, writes the index.
func (o *indexOptions) finish(ctx context.Context, st *pebblestore.Store, stats ingest.Stats) error {
	// The bulk load ends here: its errors (a full disk) are the index's,
	// not retention's.
	if err := st.Flush(); err != nil {
		return fmt.Errorf("writing the index: %w", err)
	}
	if _, err := st.Expire(ctx, o.retention); err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	if o.compact && stats.Entries > 0 {
		if err := st.Compact(ctx); err != nil {
			return fmt.Errorf("compact: %w", err)
		}
	}
	return nil
}

// printIndexSummary writes the one-line summary of an index run.
// total is the whole run: reading (s.Elapsed), then writing the index.
func printIndexSummary(w io.Writer, s ingest.Stats, dir string, total time.Duration) {
	size := pebblestore.DirSize(dir)
	var b strings.Builder
	fmt.Fprintf(&b, "indexed %d files: %s lines, %s entries (%s with a trace id), %s in %s (%s lines/s; reading took %s)",
		s.Files, progress.Count(s.Lines), progress.Count(s.Entries), progress.Count(s.Traced),
		progress.Bytes(s.BytesRead), progress.Duration(total), progress.Count(progress.Rate(s.Lines, total)), progress.Duration(s.Elapsed))
	if len(s.Skipped) > 0 {
		keys := make([]string, 0, len(s.Skipped))
		for k := range s.Skipped {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("; problems:")
		for _, k := range keys {
			fmt.Fprintf(&b, " %s %s", k, progress.Count(s.Skipped[k]))
		}
	}
	if s.Partial > 0 {
		fmt.Fprintf(&b, "; %d files end in a line without newline (left for the next run)", s.Partial)
	}
	fmt.Fprintf(&b, "; index %s", progress.Bytes(size))
	if s.BytesRead > 0 {
		fmt.Fprintf(&b, " (%.0f%% of the bytes read)", 100*float64(size)/float64(s.BytesRead))
	}
	fmt.Fprintf(&b, " in %s\n", dir)
	io.WriteString(w, b.String())
}
