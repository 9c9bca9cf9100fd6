package zapbridge

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoPrivateAccess fails when the package's code reaches for another
// package's unexported state or the runtime's memory layout: no reflect,
// no go:linkname, and of unsafe only String and Slice (over bytes the
// package owns).
func TestNoPrivateAccess(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path := strings.Trim(imp.Path.Value, `"`); path == "reflect" || path == "internal/reflectlite" {
				t.Errorf("%s imports %s", fset.Position(imp.Pos()), path)
			}
		}
		for _, g := range f.Comments {
			for _, c := range g.List {
				if strings.HasPrefix(c.Text, "//go:linkname") {
					t.Errorf("%s: %s", fset.Position(c.Pos()), c.Text)
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "unsafe" && sel.Sel.Name != "String" && sel.Sel.Name != "Slice" {
				t.Errorf("%s: unsafe.%s", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if len(files) == 0 {
		t.Fatal("no source files found")
	}
}
