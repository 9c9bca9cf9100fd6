package soundcheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// libraryDirs are the library modules' folders, relative to the repository
// root: what services import. The correlator, examples, benchmarks and tools
// are applications and are not held to this check.
var libraryDirs = []string{"logbridge", "adapters", "internal"}

// TestLibraryIsSound runs the check over every non-test Go file of the
// library modules.
func TestLibraryIsSound(t *testing.T) {
	root := repoRoot(t)
	files := 0
	for _, d := range libraryDirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() && e.Name() == "testdata" {
				return filepath.SkipDir
			}
			if e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			found, err := CheckFile(path, src)
			if err != nil {
				return err
			}
			for _, f := range found {
				t.Errorf("%s", f)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 20 {
		t.Fatalf("checked %d files: the walk missed the library", files)
	}
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module github.com/traceline/traceline\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root not found above the working directory")
		}
		dir = parent
	}
}

func TestCheckFile(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // substring of the one finding; "" for none
	}{
		{"unsafe.Add", `package p; import "unsafe"; func f(p *int) *int { return (*int)(unsafe.Add(p, 8)) }`, "unsafe.Add"},
		{"renamed unsafe", `package p; import u "unsafe"; var x = u.Offsetof(struct{a int}{}.a)`, "unsafe.Offsetof"},
		{"unsafe.String is ours", `package p; import "unsafe"; func f(b []byte) string { return unsafe.String(&b[0], len(b)) }`, ""},
		{"linkname", "package p\nimport _ \"unsafe\"\n//go:linkname now runtime.nanotime\nfunc now() int64\n", "go:linkname"},
		{"reflect unexported field", `package p; import "reflect"; func f(v any) any { return reflect.ValueOf(v).FieldByName("buf") }`, "FieldByName"},
		{"reflect exported field", `package p; import "reflect"; func f(v any) any { return reflect.ValueOf(v).Elem().FieldByName("FieldKeys") }`, ""},
		{"reflect Field(i)", `package p; import "reflect"; func f(v any) any { return reflect.ValueOf(v).Field(0) }`, "Field"},
		{"reflect UnsafePointer", `package p; import "reflect"; func f(v any) any { return reflect.ValueOf(v).UnsafePointer() }`, "UnsafePointer"},
		{"error text", `package p; import "strings"; func f(err error) bool { return strings.Contains(err.Error(), "closed") }`, "error's text"},
		{"error compare", `package p; func f(err error) bool { return err.Error() == "EOF" }`, "error's text"},
		{"error wording", `package p; import "strings"; func f(msg string) int { return strings.Index(msg, "write error: ") }`, "error wording"},
		{"no reflect import", `package p; type s struct{}; func (s) Field(int) int { return 0 }; var _ = s{}.Field(1)`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, err := CheckFile("x.go", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(found) != 0 {
					t.Fatalf("found %v, want nothing", found)
				}
				return
			}
			if len(found) != 1 || !strings.Contains(found[0].String(), tt.want) {
				t.Fatalf("found %v, want one finding about %q", found, tt.want)
			}
		})
	}
}
