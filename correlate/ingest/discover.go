package ingest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// discover lists the regular files the paths name, sorted, each once, and
// the other files it met (named pipes, devices, sockets) with why they are
// not read. Symbolic links are followed. Missing plain paths are errors
// only when strict.
func discover(paths, exclude []string, strict bool) ([]string, map[string]string, error) {
	var ex []string
	for _, e := range exclude {
		if a, err := filepath.Abs(e); err == nil {
			ex = append(ex, a)
		}
	}
	excluded := func(p string) bool {
		a, err := filepath.Abs(p)
		if err != nil {
			return false
		}
		for _, e := range ex {
			if a == e || strings.HasPrefix(a, e+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	var out []string
	var other map[string]string
	notRegular := func(p string, m fs.FileMode) {
		if other == nil {
			other = map[string]string{}
		}
		other[p] = p + ": not a regular file (" + modeName(m) + "): skipped"
	}
	add := func(p string) {
		if !seen[p] && !excluded(p) && readable(p) {
			seen[p] = true
			out = append(out, p)
		}
	}
	walk := func(root string) {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() && excluded(p) {
				return filepath.SkipDir
			}
			switch t := d.Type(); {
			case t.IsRegular():
				add(p)
			case t&fs.ModeSymlink != 0:
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
					add(p)
				} else if err == nil && !fi.IsDir() && !excluded(p) {
					notRegular(p, fi.Mode())
				}
			case !t.IsDir() && !excluded(p):
				notRegular(p, t)
			}
			return nil
		})
	}
	for _, p := range paths {
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, nil, fmt.Errorf("bad glob %q: %w", p, err)
			}
			for _, f := range m {
				if fi, err := os.Stat(f); err == nil {
					if fi.IsDir() {
						walk(f)
					} else if fi.Mode().IsRegular() {
						add(f)
					} else if !excluded(f) {
						notRegular(f, fi.Mode())
					}
				}
			}
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			if strict {
				return nil, nil, err
			}
			continue
		}
		if fi.IsDir() {
			walk(p)
		} else if fi.Mode().IsRegular() {
			add(p)
		} else if !excluded(p) {
			notRegular(p, fi.Mode())
		}
	}
	sort.Strings(out)
	return out, other, nil
}

// modeName names the kind of a file that is not a regular one.
func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeSymlink != 0:
		return "broken symbolic link"
	case m&fs.ModeIrregular != 0:
		return "irregular file"
	}
	return m.Type().String()
}

// readable reports whether the file's name says it is something we can
// read: plain or gzip'ed, not another archive format.
func readable(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".zst", ".bz2", ".xz", ".zip", ".lz4", ".7z", ".tar", ".tgz":
		return false
	}
	return true
}
