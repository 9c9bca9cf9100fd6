// Package soundcheck finds, in Go source, the kinds of access a dependency
// review rejects: reading or writing another package's unexported state,
// relying on the runtime's memory layout, and parsing another package's
// error text. Its test runs it over every library module of the repository
// (the root module and adapters/*), so such access fails `make test` when it
// comes back.
//
// What it reports, per file:
//   - unsafe.Pointer, unsafe.Add, unsafe.Offsetof, unsafe.Alignof (only
//     unsafe.String, StringData, Slice, SliceData and Sizeof are allowed:
//     views of bytes the library owns);
//   - //go:linkname directives;
//   - reflect's UnsafePointer, UnsafeAddr and NewAt;
//   - reflect's Field, FieldByIndex and FieldByNameFunc, and FieldByName
//     unless its argument is a string literal naming an exported field;
//   - an error's Error() text compared with == or != or passed to a function
//     of package strings or bytes, and a search of text for a literal that
//     names an error (the sign of parsing another package's message).
package soundcheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"unicode"
)

// Finding is one rejected construct: where it is and why.
type Finding struct {
	Pos    token.Position
	Reason string
}

func (f Finding) String() string { return fmt.Sprintf("%s: %s", f.Pos, f.Reason) }

var allowedUnsafe = map[string]bool{"String": true, "StringData": true, "Slice": true, "SliceData": true, "Sizeof": true}

// CheckFile parses src (the contents of filename) and returns what it
// rejects in it.
func CheckFile(filename string, src []byte) ([]Finding, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var out []Finding
	report := func(p token.Pos, format string, args ...any) {
		out = append(out, Finding{Pos: fset.Position(p), Reason: fmt.Sprintf(format, args...)})
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:linkname") {
				report(c.Pos(), "go:linkname reaches into another package's symbols")
			}
		}
	}
	unsafeName, reflectName := importName(f, "unsafe"), importName(f, "reflect")
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && unsafeName != "" && id.Name == unsafeName && !allowedUnsafe[n.Sel.Name] {
				report(n.Pos(), "unsafe.%s: pointer arithmetic or layout over memory the library does not own", n.Sel.Name)
			}
			if id, ok := n.X.(*ast.Ident); ok && reflectName != "" && id.Name == reflectName && n.Sel.Name == "NewAt" {
				report(n.Pos(), "reflect.NewAt: a typed view of arbitrary memory")
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if reflectName != "" {
				switch sel.Sel.Name {
				case "UnsafePointer", "UnsafeAddr":
					report(n.Pos(), "reflect %s: the address of another package's value", sel.Sel.Name)
				case "Field", "FieldByIndex", "FieldByNameFunc":
					report(n.Pos(), "reflect %s: may reach unexported fields", sel.Sel.Name)
				case "FieldByName":
					if !exportedLiteral(n) {
						report(n.Pos(), "reflect FieldByName: only a literal exported field name is allowed")
					}
				}
			}
			if id, ok := sel.X.(*ast.Ident); ok && (id.Name == importName(f, "strings") || id.Name == importName(f, "bytes")) && id.Name != "" {
				for _, a := range n.Args {
					if isErrorText(a) {
						report(n.Pos(), "%s.%s over an error's text: depend on error values or types, not wording", id.Name, sel.Sel.Name)
					} else if searchFuncs[sel.Sel.Name] && mentionsError(a) {
						report(n.Pos(), "%s.%s looks for error wording: depend on error values or types, not text", id.Name, sel.Sel.Name)
					}
				}
			}
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && (isErrorText(n.X) || isErrorText(n.Y)) {
				report(n.Pos(), "comparing an error's text: depend on error values or types, not wording")
			}
		}
		return true
	})
	return out, nil
}

// searchFuncs are the functions of strings and bytes that look for text.
var searchFuncs = map[string]bool{"Contains": true, "Index": true, "LastIndex": true, "HasPrefix": true, "HasSuffix": true, "Cut": true, "CutPrefix": true, "CutSuffix": true, "TrimPrefix": true, "TrimSuffix": true, "EqualFold": true}

const errorWord = "error"

// mentionsError reports whether e is a string literal naming an error, the
// sign of a search through some other package's error message.
func mentionsError(e ast.Expr) bool {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	s, err := strconv.Unquote(lit.Value)
	return err == nil && strings.Contains(strings.ToLower(s), errorWord)
}

// importName returns the name path is imported under in f, or "".
func importName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if p != path {
			continue
		}
		if imp.Name != nil {
			return imp.Name.Name
		}
		return path[strings.LastIndex(path, "/")+1:]
	}
	return ""
}

// isErrorText reports whether e is a call x.Error() with no arguments,
// possibly converted to []byte.
func isErrorText(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	if len(c.Args) == 1 {
		if at, ok := c.Fun.(*ast.ArrayType); ok && at.Len == nil {
			return isErrorText(c.Args[0])
		}
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Error" && len(c.Args) == 0
}

func exportedLiteral(c *ast.CallExpr) bool {
	if len(c.Args) != 1 {
		return false
	}
	lit, ok := c.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil || s == "" {
		return false
	}
	for _, r := range s {
		return unicode.IsUpper(r)
	}
	return false
}
