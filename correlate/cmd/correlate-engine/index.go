package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/internal/progress"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// indexMemoryLimit is the soft limit of the Go heap while `correlate
// index` runs, unless GOMEMLIMIT sets one.
const indexMemoryLimit = 192 << 20

func init() {
	register(command{
		Name:    "index",
		Args:    "--data DIR PATH...",
		Summary: "index log files, folders and globs by trace id into DIR",
		Order:   20,
		Help: `Reads every file PATH names (a file, a folder and everything under it, or a
glob such as '/var/log/app/*.log*'; .gz files are decompressed) and stores
its entries in the index in DIR, created if missing. Then "correlate logs"
finds a trace's lines in milliseconds, even after the files are rotated,
compressed or deleted.

A file that cannot be read (a damaged or cut .gz, a read error, a path that
is not a regular file) is skipped with a warning line on stderr, and the
exit status stays 0; the next run tries it again.

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

On a terminal a progress bar shows on stderr; otherwise one summary line.

Examples:
  correlate index --data ~/.cache/correlate ./logs
  correlate index '/var/log/pods/*/*/*.log*' --data /var/lib/correlate --retention 7d`,
		Flags: func(fs *flag.FlagSet) runFunc {
			data := dataFlag(fs)
			pc := parseConfigFlags(fs)
			var retention time.Duration
			fs.Var(durationFlag{&retention}, "retention", "drop entries older than `AGE` before the newest one (e.g. 30d, 72h; 0 keeps all)")
			compression := fs.String("compression", "zstd", "index block `COMPRESSION`: zstd, snappy, minlz or none")
			untraced := fs.String("untraced", "compact", "`MODE` for entries without a trace id: compact (no raw line), full or none")
			host := fs.String("host", "", "host `NAME` mixed into file fingerprints (default: this host's name)")
			quiet := fs.Bool("quiet", false, "print nothing but errors")
			compact := fs.Bool("compact", true, "write the index in one pass when the reading is done: smaller, faster, lookups touch one file")
			return func(ctx context.Context, e *env, args []string) error {
				start := time.Now()
				if e.Getenv("GOMEMLIMIT") == "" {
					// The load's live heap is about 120 MiB (two runs of
					// encoded entries, then the sort of one spill part per
					// core); left to GOGC the heap grows to twice that.
					// Measured at 10 M lines: peak RSS 309-338 MB without a
					// limit, 222 MB with this one, in the same time.
					defer debug.SetMemoryLimit(debug.SetMemoryLimit(indexMemoryLimit))
				}
				dir, err := dataDir(e, *data)
				if err != nil {
					return err
				}
				if len(args) == 0 {
					return usagef("give at least one PATH to index")
				}
				pcfg, err := pc.config()
				if err != nil {
					return err
				}
				st, err := openStore(dir, false, storeOptions{Compression: *compression, Untraced: *untraced, DisableWAL: true, BulkLoad: *compact})
				if err != nil {
					return err
				}
				cfg := ingest.DefaultConfig()
				cfg.Paths = args
				cfg.Exclude = []string{dir}
				cfg.Parse = pcfg
				if *host != "" {
					cfg.Host = *host
				}
				var bar *progress.Bar
				if !*quiet && e.StderrFile != nil && progress.IsTerminal(e.StderrFile) {
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
				// The bulk load sorts and writes what it read at the first
				// of these (about as long as the reading): say so.
				writing := !*quiet && bar != nil && *compact && stats.Entries > 0
				if writing {
					fmt.Fprint(e.Stderr, "writing the index…")
				}
				// The bulk load ends here: its errors (a full disk) are the
				// index's, not retention's.
				if err := st.Flush(); err != nil {
					st.Close()
					return fmt.Errorf("writing the index: %w", err)
				}
				if _, err := st.Expire(ctx, retention); err != nil {
					st.Close()
					return fmt.Errorf("retention: %w", err)
				}
				if *compact && stats.Entries > 0 {
					if err := st.Compact(ctx); err != nil {
						st.Close()
						return fmt.Errorf("compact: %w", err)
					}
				}
				if writing {
					fmt.Fprint(e.Stderr, "\r\x1b[K")
				}
				if err := st.Close(); err != nil {
					return err
				}
				if !*quiet {
					printIndexSummary(e.Stderr, stats, dir, time.Since(start))
				}
				// Files that cannot be read are skipped, not fatal: the
				// others are indexed, and the next run tries them again.
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
		},
	})
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
