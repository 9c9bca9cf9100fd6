package tracelint

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

const withoutCancelWhy = "context.WithoutCancel(%[1]s), not %[1]s itself: %[1]s is cancelled when the request returns, and that would cancel the background work"

// checkCall runs every check on one call.
func (c *checker) checkCall(call *ast.CallExpr) {
	fn := callee(c.pass.TypesInfo, call)
	if fn == nil || fn.Pkg() == nil {
		return
	}
	if fn.Pkg().Path() == "context" && (fn.Name() == "Background" || fn.Name() == "TODO") {
		c.checkFreshRoot(call, fn)
		return
	}
	if lc, ok := classify(fn); ok {
		c.checkLog(call, fn, lc)
		return
	}
	c.checkRootCall(call, fn)
}

// checkFreshRoot reports context.Background() or TODO() used while a request
// context is in scope.
func (c *checker) checkFreshRoot(call *ast.CallExpr, fn *types.Func) {
	src, ok := c.inScope(call.Pos())
	if !ok {
		return
	}
	if tf := c.pass.Fset.File(call.Pos()); c.deliberateRoots[tf][tf.Line(call.Pos())] {
		return
	}
	if c.curDecl != nil && lifecycle(c.curDecl.Name.Name) && c.goDepth == 0 {
		return // start-up code builds long-lived things on roots of their own
	}
	if c.returned(call) {
		return // handed back to the caller, who decides
	}
	root := "context." + fn.Name() + "()"
	sel, _ := call.Fun.(*ast.SelectorExpr)
	pkgName := "context"
	if sel != nil {
		if id, ok := sel.X.(*ast.Ident); ok {
			pkgName = id.Name
		}
	}
	parent, argIndex := c.enclosingCall(call)
	var calleeName, tie string
	if parent != nil {
		if pf := callee(c.pass.TypesInfo, parent); pf != nil {
			calleeName = pf.Name()
			if pf.Pkg() != nil && pf.Pkg().Path() == "context" {
				calleeName = "" // context.WithTimeout(context.Background(), …): a derivation
			}
			if pf.Pkg() != nil && strings.HasPrefix(pf.Pkg().Path(), "go.opentelemetry.io/otel/metric") {
				return // a metric instrument: no trace to lose
			}
			tie = c.logSiteThrough(pf, argIndex)
		}
	}
	detached := pkgName + ".WithoutCancel(" + src.expr + ")"
	var msg, repl string
	why := fmt.Sprintf(withoutCancelWhy, src.expr)
	switch {
	case c.goDepth > 0:
		msg = fmt.Sprintf("goroutine drops the request context %s: %s starts a fresh trace root; pass %s", src.expr, root, why)
		repl = detached
	case calleeName != "":
		msg = fmt.Sprintf("%s passed to %s while the request context %s is in scope: a fresh trace root; pass %s", root, calleeName, src.expr, src.expr)
		repl = src.expr
	default:
		msg = fmt.Sprintf("%s while the request context %s is in scope: a fresh trace root; for work that must outlive the request use %s", root, src.expr, why)
		repl = detached
	}
	msg += tie
	c.report(analysis.Diagnostic{
		Pos: call.Pos(), End: call.End(), Message: msg,
		SuggestedFixes: []analysis.SuggestedFix{{
			Message:   "use " + repl,
			TextEdits: []analysis.TextEdit{{Pos: call.Pos(), End: call.End(), NewText: []byte(repl)}},
		}},
	})
}

// returned reports whether e is a result of a return statement.
func (c *checker) returned(e ast.Expr) bool {
	f := c.fileOf(e.Pos())
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if found || n == nil || n.Pos() > e.Pos() || n.End() < e.End() {
			return false
		}
		if ret, ok := n.(*ast.ReturnStmt); ok {
			for _, r := range ret.Results {
				if ast.Unparen(r) == e {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// enclosingCall returns the call that takes e as a direct argument, and the
// argument's index.
func (c *checker) enclosingCall(e ast.Expr) (*ast.CallExpr, int) {
	f := c.fileOf(e.Pos())
	if f == nil {
		return nil, -1
	}
	var found *ast.CallExpr
	idx := -1
	ast.Inspect(f, func(n ast.Node) bool {
		if found != nil || n == nil || n.Pos() > e.Pos() || n.End() < e.End() {
			return false
		}
		if call, ok := n.(*ast.CallExpr); ok {
			for i, a := range call.Args {
				if ast.Unparen(a) == e {
					found, idx = call, i
					return false
				}
			}
		}
		return true
	})
	return found, idx
}

func (c *checker) fileOf(pos token.Pos) *ast.File {
	for _, f := range c.pass.Files {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}

// logSiteThrough names the first log call of fn (declared in this package)
// that logs through its context parameter number arg: the line that writes
// untraced output when fn is handed a fresh root.
func (c *checker) logSiteThrough(fn *types.Func, arg int) string {
	decl := c.decls[fn]
	if decl == nil || arg < 0 {
		return ""
	}
	sig := fn.Type().(*types.Signature)
	if arg >= sig.Params().Len() || !isNamed(sig.Params().At(arg).Type(), "context", "Context") {
		return ""
	}
	param := sig.Params().At(arg)
	var site token.Pos
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		if site.IsValid() {
			return false
		}
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		f := callee(c.pass.TypesInfo, call)
		if f == nil || f.Pkg() == nil {
			return true
		}
		if !isLogging(f) {
			return true
		}
		if c.mentions(call, func(v *types.Var) bool { return v == param }, 0) {
			// The line the runtime gives the call (and a logger's caller
			// field shows): that of the method name, in a chain split over
			// lines the last one.
			site = call.Pos()
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
				site = sel.Sel.Pos()
			}
			return false
		}
		return true
	})
	if !site.IsValid() {
		return ""
	}
	p := c.pass.Fset.Position(site)
	return fmt.Sprintf(" (%s logs through it at %s:%d)", fn.Name(), filepath.Base(p.Filename), p.Line)
}

// mentions reports whether e contains a use of a variable v with match(v),
// following local variables to what was assigned to them.
func (c *checker) mentions(e ast.Node, match func(*types.Var) bool, depth int) bool {
	if depth > 4 {
		return false
	}
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if found {
			return false
		}
		if call, ok := n.(*ast.CallExpr); ok && isFreshRoot(c.pass.TypesInfo, call) {
			return false
		}
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
		if !ok {
			return true
		}
		if match(v) {
			found = true
			return false
		}
		for _, d := range c.defs[v] {
			if d != e && c.mentions(d, match, depth+1) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// carriesCtx reports whether e passes a context value: an expression of a
// type that implements context.Context, other than a fresh root.
func (c *checker) carriesCtx(e ast.Node, depth int) bool {
	if depth > 4 || e == nil {
		return false
	}
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if found {
			return false
		}
		ex, ok := n.(ast.Expr)
		if !ok {
			return true
		}
		if call, ok := ex.(*ast.CallExpr); ok && isFreshRoot(c.pass.TypesInfo, call) {
			// A context was passed, just the wrong one: the fresh root's
			// own diagnostic says so.
			found = true
			return false
		}
		if tv, ok := c.pass.TypesInfo.Types[ex]; ok && tv.IsValue() && isNamed(tv.Type, "context", "Context") {
			found = true
			return false
		}
		if call, ok := ex.(*ast.CallExpr); ok {
			// A value that implements context.Context handed over whole
			// (zap.Any("ctx", c) with a *gin.Context) carries it too.
			for _, a := range call.Args {
				if tv, ok := c.pass.TypesInfo.Types[a]; ok && tv.IsValue() && c.isCtx(tv.Type) && !isFreshRootExpr(c.pass.TypesInfo, a) {
					found = true
					return false
				}
			}
		}
		if id, ok := ex.(*ast.Ident); ok {
			if v, ok := c.pass.TypesInfo.Uses[id].(*types.Var); ok {
				for _, d := range c.defs[v] {
					if c.carriesCtx(d, depth+1) {
						found = true
						return false
					}
				}
			}
		}
		return true
	})
	return found
}

func isFreshRoot(info *types.Info, call *ast.CallExpr) bool {
	fn := callee(info, call)
	return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "context" &&
		(fn.Name() == "Background" || fn.Name() == "TODO")
}

func isFreshRootExpr(info *types.Info, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	return ok && isFreshRoot(info, call)
}

// callee returns the function or method a call calls, a generic one's
// declaration rather than its instance, or nil.
func callee(info *types.Info, call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	if fn == nil {
		return nil
	}
	return fn.Origin()
}
