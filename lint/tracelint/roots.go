package tracelint

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
)

// rootFunc is a function of the package that takes no context yet starts a
// fresh root: itself (via is nil) or through the function via.
type rootFunc struct {
	pos token.Pos
	via *types.Func
}

// findRootFuncs finds the package's functions without a context parameter
// that hand context.Background() or TODO() to a call, directly or through
// other such functions of the package. A caller with a request context in
// scope drops it by calling them.
func (c *checker) findRootFuncs(skip func(ast.Node) bool) {
	callees := map[*types.Func][]*types.Func{}
	for fn, decl := range c.decls {
		if skip(decl) || c.takesContext(decl) || lifecycle(fn.Name()) {
			// Start-up code (NewClient, newShard) builds long-lived things
			// on roots of their own.
			continue
		}
		var root token.Pos
		ast.Inspect(decl.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit, *ast.GoStmt:
				return false // its own concern (a goroutine, a callback)
			case *ast.CallExpr:
				for _, a := range n.Args {
					if !root.IsValid() && isFreshRootExpr(c.pass.TypesInfo, a) {
						root = a.Pos()
					}
				}
				if f := callee(c.pass.TypesInfo, n); f != nil && c.decls[f] != nil {
					callees[fn] = append(callees[fn], f)
				}
			}
			return true
		})
		if root.IsValid() {
			c.rootFuncs[fn] = rootFunc{pos: root}
		}
	}
	for changed := true; changed; {
		changed = false
		for fn, cs := range callees {
			if _, ok := c.rootFuncs[fn]; ok {
				continue
			}
			for _, f := range cs {
				if r, ok := c.rootFuncs[f]; ok {
					c.rootFuncs[fn] = rootFunc{pos: r.pos, via: f}
					changed = true
					break
				}
			}
		}
	}
}

// takesContext reports whether decl has a request context of its own: a
// context, request or gin parameter, or a receiver holding a context.
func (c *checker) takesContext(decl *ast.FuncDecl) bool {
	fields := decl.Type.Params.List
	if decl.Recv != nil {
		fields = append(append([]*ast.Field(nil), decl.Recv.List...), fields...)
	}
	for _, f := range fields {
		t := c.pass.TypesInfo.TypeOf(f.Type)
		if t == nil {
			continue
		}
		if isNamed(t, "context", "Context") || isNamed(t, "net/http", "Request") ||
			isNamed(t, "github.com/gin-gonic/gin", "Context") || c.ctxField(t) != "" {
			return true
		}
	}
	return false
}

// checkRootCall reports a call of a rootFunc while a request context is in
// scope. It has no suggested fix: the callee needs a context parameter.
func (c *checker) checkRootCall(call *ast.CallExpr, fn *types.Func) {
	r, ok := c.rootFuncs[fn]
	if !ok {
		return
	}
	src, ok := c.inScope(call.Pos())
	if !ok {
		return
	}
	p := c.pass.Fset.Position(r.pos)
	via := ""
	if r.via != nil {
		via = ", through " + r.via.Name()
	}
	c.reportNoFix(call, fmt.Sprintf("%s starts a fresh trace root (at %s:%d%s) while the request context %s is in scope: give it a context parameter and pass %s",
		fn.Name(), filepath.Base(p.Filename), p.Line, via, src.expr, src.expr))
}
