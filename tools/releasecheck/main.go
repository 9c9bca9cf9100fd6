// Command releasecheck proves that the repository's modules can be consumed
// from outside it, as a user would after the next release is tagged.
//
// It builds a file-system module proxy holding every published module of the
// repository at one version (each module zipped from the files git tracks,
// as the go command zips a tagged module, and the go.sum of a nested module
// completed with its siblings' checksums, as a release commit does), then, in
// a fresh module outside the repository and outside the workspace:
//
//   - `go get`s the library modules and builds and runs a program that logs
//     through the zap, zerolog, slog and logx adapters, checking that every
//     line carries the span's trace_id;
//   - `go install`s the correlate and tracelint commands at that version and
//     runs them (correlate reads the program's lines back).
//
// Usage, from the repository root:
//
//	cd tools/releasecheck && go run . -version v0.1.0
package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

// published are the repository's modules a user can require, in an order
// where each comes after the modules it requires.
var published = []string{".", "adapters/logxbridge", "adapters/otlptee", "lint", "correlate"}

// consumerSource is the program a user writes: one line through each
// adapter, with a request's span in the context.
//
//go:embed testdata/consumer.go.txt
var consumerSource []byte

const rootPath = "github.com/traceline/traceline"

func main() {
	version := flag.String("version", "v0.1.0", "the version to publish the modules at")
	only := flag.String("modules", strings.Join(published, ","), "the module folders to publish, comma-separated")
	keep := flag.Bool("keep", false, "keep the scratch folder (proxy and consumer module) and print its path")
	flag.Parse()
	published = strings.Split(*only, ",")
	if err := run(*version, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "releasecheck:", err)
		os.Exit(1)
	}
	fmt.Println("releasecheck: every module builds and runs from the proxy at", *version)
}

func run(version string, keep bool) error {
	repo, err := repoRoot()
	if err != nil {
		return err
	}
	scratch, err := os.MkdirTemp("", "releasecheck-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("releasecheck: scratch folder", scratch)
	} else {
		defer os.RemoveAll(scratch)
	}
	proxy := filepath.Join(scratch, "proxy")
	sums := map[string][2]string{} // module path → zip hash, go.mod hash
	for _, dir := range published {
		if _, err := os.Stat(filepath.Join(repo, dir, "go.mod")); err != nil {
			return fmt.Errorf("module %s: %w", dir, err)
		}
		path, err := publish(repo, dir, version, proxy, scratch, sums)
		if err != nil {
			return fmt.Errorf("publishing %s: %w", dir, err)
		}
		fmt.Printf("releasecheck: published %s@%s\n", path, version)
	}
	return consume(repo, scratch, proxy, version)
}

// publish writes module dir of repo at version into the file proxy and
// records its checksums in sums.
func publish(repo, dir, version, proxy, scratch string, sums map[string][2]string) (string, error) {
	src := filepath.Join(repo, dir)
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return "", err
	}
	path := modulePath(gomod)
	if path == "" {
		return "", fmt.Errorf("no module line in %s/go.mod", dir)
	}
	stage := filepath.Join(scratch, "stage", strings.ReplaceAll(path, "/", "_"))
	files, err := trackedFiles(src)
	if err != nil {
		return "", err
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return "", err
		}
		if f == "go.sum" {
			data = completeSums(data, gomod, version, sums)
		}
		if err := writeFile(filepath.Join(stage, f), data); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(filepath.Join(stage, "go.sum")); err != nil {
		if err := writeFile(filepath.Join(stage, "go.sum"), completeSums(nil, gomod, version, sums)); err != nil {
			return "", err
		}
	}
	esc, err := module.EscapePath(path)
	if err != nil {
		return "", err
	}
	vdir := filepath.Join(proxy, esc, "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return "", err
	}
	zipPath := filepath.Join(vdir, version+".zip")
	zf, err := os.Create(zipPath)
	if err != nil {
		return "", err
	}
	mv := module.Version{Path: path, Version: version}
	if err := zip.CreateFromDir(zf, mv, stage); err != nil {
		zf.Close()
		return "", err
	}
	if err := zf.Close(); err != nil {
		return "", err
	}
	info, _ := json.Marshal(map[string]string{"Version": version, "Time": time.Now().UTC().Format(time.RFC3339)})
	for name, data := range map[string][]byte{version + ".mod": gomod, version + ".info": info, "list": []byte(version + "\n")} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			return "", err
		}
	}
	zipHash, err := dirhash.HashZip(zipPath, dirhash.Hash1)
	if err != nil {
		return "", err
	}
	modHash, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gomod)), nil
	})
	if err != nil {
		return "", err
	}
	sums[path] = [2]string{zipHash, modHash}
	return path, nil
}

// completeSums appends to a go.sum the checksums of the sibling modules the
// go.mod requires at version, as the release commit that bumps them does.
func completeSums(sum, gomod []byte, version string, sums map[string][2]string) []byte {
	out := append([]byte(nil), sum...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	for path, h := range sums {
		if !bytes.Contains(gomod, []byte(path+" "+version)) {
			continue
		}
		out = fmt.Appendf(out, "%s %s %s\n%s %s/go.mod %s\n", path, version, h[0], path, version, h[1])
	}
	return out
}

// trackedFiles lists the files git tracks under dir, relative to it,
// leaving out nested modules (the go command leaves them out of a module's
// zip too, and so does zip.CreateFromDir, which is given only these files).
func trackedFiles(dir string) ([]string, error) {
	out, err := exec.Command("git", "-C", dir, "ls-files", "-z", "--", ".").Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files in %s: %w", dir, err)
	}
	var nested []string
	var files []string
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if f == "" {
			continue
		}
		if strings.HasSuffix(f, "/go.mod") && !strings.Contains(f, "testdata/") {
			nested = append(nested, strings.TrimSuffix(f, "go.mod"))
		}
		files = append(files, f)
	}
	kept := files[:0]
next:
	for _, f := range files {
		for _, n := range nested {
			if strings.HasPrefix(f, n) {
				continue next
			}
		}
		kept = append(kept, f)
	}
	return kept, nil
}

func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modulePath(b) == rootPath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory", rootPath)
		}
		dir = parent
	}
}

// consume plays the user: a fresh module outside the repository and the
// workspace, whose go command sees only the file proxy (for this
// repository's modules) and the usual proxy (for everything else).
func consume(repo, scratch, proxy, version string) error {
	user := filepath.Join(scratch, "user")
	bin := filepath.Join(scratch, "bin")
	upstream, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		return fmt.Errorf("go env GOPROXY: %w", err)
	}
	env := append(os.Environ(),
		"GOWORK=off", "GOFLAGS=-mod=mod", "GOBIN="+bin,
		// Earlier runs may have cached other contents under the same
		// version: forgetCachedVersions removes them, and the module index
		// (which assumes a cached module never changes) is not consulted.
		"GODEBUG=goindex=0",
		"GOPROXY=file://"+filepath.ToSlash(proxy)+","+strings.TrimSpace(string(upstream)),
		"GONOSUMDB="+rootPath, "GOPRIVATE=", "GONOPROXY=")
	goCmd := func(args ...string) ([]byte, error) {
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = user, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return out, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return out, nil
	}
	if err := forgetCachedVersions(version); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(user, "go.mod"), []byte("module example.com/consumer\n\ngo 1.26.0\n")); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(user, "main.go"), consumerSource); err != nil {
		return err
	}
	if _, err := goCmd("get", rootPath+"@"+version, rootPath+"/adapters/logxbridge@"+version); err != nil {
		return err
	}
	if _, err := goCmd("mod", "tidy"); err != nil {
		return err
	}
	if _, err := goCmd("build", "-o", filepath.Join(bin, "consumer"), "."); err != nil {
		return err
	}
	out, err := exec.Command(filepath.Join(bin, "consumer")).Output()
	if err != nil {
		return fmt.Errorf("running the consumer: %w", err)
	}
	for _, logger := range []string{"zap", "zerolog", "slog", "logx"} {
		if !hasTracedLine(out, logger) {
			return fmt.Errorf("the consumer's %s line lacks the trace fields; it printed:\n%s", logger, out)
		}
	}
	fmt.Println("releasecheck: the consumer's zap, zerolog, slog and logx lines carry the trace")
	logs := filepath.Join(scratch, "consumer.log")
	if err := os.WriteFile(logs, out, 0o644); err != nil {
		return err
	}
	for _, dir := range published {
		cmdPath := map[string]string{"correlate": rootPath + "/correlate/cmd/correlate", "lint": rootPath + "/lint/cmd/tracelint"}[dir]
		if cmdPath == "" {
			continue
		}
		if _, err := goCmd("install", cmdPath+"@"+version); err != nil {
			return err
		}
		fmt.Printf("releasecheck: go install %s@%s\n", cmdPath, version)
	}
	if contains(published, "correlate") {
		var stderr bytes.Buffer
		cmd := exec.Command(filepath.Join(bin, "correlate"), "parse", logs)
		cmd.Stderr = &stderr
		parsed, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("correlate parse: %w: %s", err, stderr.Bytes())
		}
		if n := bytes.Count(parsed, []byte(`"trace_id":"`+consumerTraceID+`"`)); n != 4 {
			return fmt.Errorf("correlate parse found %d of the consumer's 4 traced lines:\n%s", n, parsed)
		}
		fmt.Println("releasecheck: the installed correlate reads the 4 lines under their trace")
	}
	if contains(published, "lint") {
		cmd := exec.Command(filepath.Join(bin, "tracelint"), "./...")
		cmd.Dir, cmd.Env = user, env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("tracelint on the consumer (which passes its context everywhere): %w\n%s", err, out)
		}
		fmt.Println("releasecheck: the installed tracelint finds the consumer clean")
	}
	return nil
}

// consumerTraceID is the trace id testdata/consumer.go.txt logs under.
const consumerTraceID = "0af7651916cd43dd8448eb211c80319c"

// hasTracedLine reports whether out has a line naming logger that carries
// the consumer's trace id.
func hasTracedLine(out []byte, logger string) bool {
	for _, line := range bytes.Split(out, []byte("\n")) {
		if bytes.Contains(line, []byte(`"via `+logger+`"`)) && bytes.Contains(line, []byte(`"trace_id":"`+consumerTraceID+`"`)) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// forgetCachedVersions removes this repository's modules at version from
// the module cache, where an earlier run (of other code) left them: the go
// command would use those instead of asking the proxy.
func forgetCachedVersions(version string) error {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return fmt.Errorf("go env GOMODCACHE: %w", err)
	}
	cache := strings.TrimSpace(string(out))
	esc, err := module.EscapePath(rootPath)
	if err != nil {
		return err
	}
	// The modules sit at depth 0 (the root), 1 (correlate, lint) and 2
	// (adapters/logxbridge) below the root's path: extracted as
	// path@version, downloaded as path/@v/version.*.
	var dirs []string
	for _, sub := range []string{"", "*", filepath.Join("*", "*")} {
		extracted, _ := filepath.Glob(filepath.Join(cache, esc, sub) + "@" + version)
		downloaded, _ := filepath.Glob(filepath.Join(cache, "cache", "download", esc, sub, "@v", version+".*"))
		dirs = append(append(dirs, extracted...), downloaded...)
	}
	for _, d := range dirs {
		// The go command leaves extracted modules read-only.
		filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("removing %s from the module cache: %w", d, err)
		}
	}
	return nil
}
