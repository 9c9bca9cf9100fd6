package ingest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// discover lists the regular files the paths name, sorted, each once.
// Missing plain paths are errors only when strict.
func discover(paths, exclude []string, strict bool) ([]string, error) {
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
			if d.Type().IsRegular() {
				add(p)
			}
			return nil
		})
	}
	for _, p := range paths {
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("bad glob %q: %w", p, err)
			}
			for _, f := range m {
				if fi, err := os.Stat(f); err == nil {
					if fi.IsDir() {
						walk(f)
					} else if fi.Mode().IsRegular() {
						add(f)
					}
				}
			}
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			if strict {
				return nil, err
			}
			continue
		}
		if fi.IsDir() {
			walk(p)
		} else if fi.Mode().IsRegular() {
			add(p)
		}
	}
	sort.Strings(out)
	return out, nil
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
