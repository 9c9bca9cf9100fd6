package zapbridge

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/traceline/traceline/internal/soundcheck"
)

// TestNoPrivateAccess fails when the package's code reaches for another
// package's unexported state or the runtime's memory layout: what
// soundcheck rejects everywhere in the library, and here reflect as well.
func TestNoPrivateAccess(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no source files found")
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		found, err := soundcheck.CheckFile(name, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range found {
			t.Errorf("%s", f)
		}
		imports, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range imports.Imports {
			if path := strings.Trim(imp.Path.Value, `"`); path == "reflect" || path == "internal/reflectlite" {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
