package tracelint

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer reports log calls, goroutines and fresh root contexts that drop
// the request context in scope. See the package documentation.
var Analyzer = &analysis.Analyzer{
	Name:     "tracelint",
	Doc:      "report log calls, goroutines and fresh roots that drop the request context in scope",
	URL:      "https://github.com/traceline/traceline/tree/main/lint",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

// checker holds what one pass knows about its package.
type checker struct {
	pass     *analysis.Pass
	ctxIface *types.Interface
	// sources are the request contexts of the package: context-typed
	// parameters and derived variables, *http.Request and *gin.Context
	// parameters, and receivers holding a context field.
	sources map[*types.Var]source
	// lifetimeUses and allUses count, per context variable, its uses as
	// x.Done()/x.Err()/x.Deadline() and its uses in all.
	lifetimeUses, allUses map[*types.Var]int
	// handedTo lists, per context variable, the parameters of the
	// package's functions it is passed to.
	handedTo map[*types.Var][]paramRef
	// lifetime marks the context parameters that are a lifetime: only
	// watched for their end, or handed to such a parameter.
	lifetime map[*types.Var]bool
	// watched are the lifetimes found by use (only watched, or handed to a
	// watched parameter), not by the name of their function.
	watched map[*types.Var]bool
	// calls lists the arguments of each call of the package's functions.
	calls map[*types.Func][][]ast.Expr
	// requestFields are the context fields assigned from an *http.Request
	// or a *gin.Context somewhere in the package.
	requestFields map[*types.Var]bool
	// defs maps a local variable to the expressions assigned to it.
	defs map[*types.Var][]ast.Expr
	// decls maps the package's functions to their declarations.
	decls map[*types.Func]*ast.FuncDecl
	// goBodies are the function literals run as goroutines.
	goBodies map[ast.Node]bool
	// rootFuncs are the package's functions that start a fresh root
	// without taking a context.
	rootFuncs map[*types.Func]rootFunc
	ignores   map[*token.File]map[int]bool
	// deliberateRoots are the lines marked //nolint:contextcheck.
	deliberateRoots map[*token.File]map[int]bool
	// curDecl is the function declaration the walk is in.
	curDecl *ast.FuncDecl
	// goDepth is above zero while the walk is inside a goroutine body.
	goDepth int
}

// source is one request context: the variable that holds it and the
// expression that yields the context.Context.
type source struct {
	v    *types.Var
	expr string
	rank int // lower wins: 0 a context variable, 1 a receiver field, 2 a request
}

func run(pass *analysis.Pass) (any, error) {
	ctxPkg := findImport(pass.Pkg, "context")
	if ctxPkg == nil {
		return nil, nil // nothing here can hold a context
	}
	c := &checker{
		pass:            pass,
		ctxIface:        ctxPkg.Scope().Lookup("Context").Type().Underlying().(*types.Interface),
		sources:         map[*types.Var]source{},
		lifetimeUses:    map[*types.Var]int{},
		allUses:         map[*types.Var]int{},
		defs:            map[*types.Var][]ast.Expr{},
		handedTo:        map[*types.Var][]paramRef{},
		lifetime:        map[*types.Var]bool{},
		watched:         map[*types.Var]bool{},
		calls:           map[*types.Func][][]ast.Expr{},
		requestFields:   map[*types.Var]bool{},
		decls:           map[*types.Func]*ast.FuncDecl{},
		goBodies:        map[ast.Node]bool{},
		rootFuncs:       map[*types.Func]rootFunc{},
		ignores:         map[*token.File]map[int]bool{},
		deliberateRoots: map[*token.File]map[int]bool{},
	}
	insp := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	generated := map[*token.File]bool{}
	for _, f := range pass.Files {
		tf := pass.Fset.File(f.Pos())
		if ast.IsGenerated(f) {
			generated[tf] = true
			continue
		}
		c.collectIgnores(f, tf)
	}
	skip := func(n ast.Node) bool { return generated[pass.Fset.File(n.Pos())] }

	// First pass: declarations, assignments, uses, goroutine bodies.
	insp.Preorder([]ast.Node{
		(*ast.FuncDecl)(nil), (*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil),
		(*ast.SelectorExpr)(nil), (*ast.GoStmt)(nil), (*ast.CallExpr)(nil),
		(*ast.CompositeLit)(nil),
	}, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.CompositeLit:
			for _, e := range n.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok {
						c.recordField(pass.TypesInfo.Uses[k], kv.Value)
					}
				}
			}
		case *ast.FuncDecl:
			if fn, ok := pass.TypesInfo.Defs[n.Name].(*types.Func); ok && n.Body != nil {
				c.decls[fn] = n
			}
		case *ast.AssignStmt:
			c.recordAssign(n.Lhs, n.Rhs)
			if len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok {
						if s, ok := pass.TypesInfo.Selections[sel]; ok {
							c.recordField(s.Obj(), n.Rhs[i])
						}
					}
				}
			}
		case *ast.ValueSpec:
			lhs := make([]ast.Expr, len(n.Names))
			for i, id := range n.Names {
				lhs[i] = id
			}
			c.recordAssign(lhs, n.Values)
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				if v, ok := pass.TypesInfo.Uses[id].(*types.Var); ok && c.isCtx(v.Type()) {
					switch n.Sel.Name {
					case "Done", "Err", "Deadline":
						c.lifetimeUses[v]++
					}
				}
			}
		case *ast.GoStmt:
			if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok {
				c.goBodies[lit] = true
			}
			c.goBodies[n.Call] = true
		case *ast.CallExpr:
			fn := callee(pass.TypesInfo, n)
			if fn != nil && fn.Pkg() == pass.Pkg {
				c.calls[fn] = append(c.calls[fn], n.Args)
				for i, a := range n.Args {
					if id, ok := ast.Unparen(a).(*ast.Ident); ok {
						if v, ok := pass.TypesInfo.Uses[id].(*types.Var); ok && isNamed(v.Type(), "context", "Context") {
							c.handedTo[v] = append(c.handedTo[v], paramRef{fn, i})
						}
					}
				}
			}
			if isGoMethod(fn) {
				for _, a := range n.Args {
					if lit, ok := ast.Unparen(a).(*ast.FuncLit); ok {
						c.goBodies[lit] = true
					}
				}
			}
		}
	})
	for _, obj := range pass.TypesInfo.Uses {
		if v, ok := obj.(*types.Var); ok && !v.IsField() && isNamed(v.Type(), "context", "Context") {
			c.allUses[v]++
		}
	}
	c.findLifetimes()
	c.findRootFuncs(skip)

	// Second pass, in source order: sources, then the checks.
	insp.Nodes([]ast.Node{
		(*ast.FuncDecl)(nil), (*ast.FuncLit)(nil), (*ast.AssignStmt)(nil),
		(*ast.ValueSpec)(nil), (*ast.CallExpr)(nil),
	}, func(n ast.Node, push bool) bool {
		if !push {
			if c.goBodies[n] {
				c.goDepth--
			}
			if n == ast.Node(c.curDecl) {
				c.curDecl = nil
			}
			return true
		}
		if skip(n) {
			return false
		}
		if c.goBodies[n] {
			defer func() { c.goDepth++ }()
		}
		switch n := n.(type) {
		case *ast.FuncDecl:
			if n.Body == nil {
				return false
			}
			c.curDecl = n
			c.addParams(n.Recv, n.Type)
		case *ast.FuncLit:
			c.addParams(nil, n.Type)
		case *ast.AssignStmt:
			c.addDerived(n.Lhs, n.Rhs)
		case *ast.ValueSpec:
			lhs := make([]ast.Expr, len(n.Names))
			for i, id := range n.Names {
				lhs[i] = id
			}
			c.addDerived(lhs, n.Values)
		case *ast.CallExpr:
			c.checkCall(n)
		}
		return true
	})
	return nil, nil
}

func findImport(pkg *types.Package, path string) *types.Package {
	if pkg.Path() == path {
		return pkg
	}
	seen := map[*types.Package]bool{}
	var walk func(p *types.Package) *types.Package
	walk = func(p *types.Package) *types.Package {
		for _, imp := range p.Imports() {
			if imp.Path() == path {
				return imp
			}
			if !seen[imp] {
				seen[imp] = true
				if r := walk(imp); r != nil {
					return r
				}
			}
		}
		return nil
	}
	return walk(pkg)
}

// isCtx reports whether t is context.Context or implements it.
func (c *checker) isCtx(t types.Type) bool {
	if t == nil {
		return false
	}
	if _, ok := t.Underlying().(*types.Interface); ok {
		return isNamed(t, "context", "Context")
	}
	return types.Implements(t, c.ctxIface)
}

// isNamed reports whether t (or what it points to) is the named type
// pkgPath.name.
func isNamed(t types.Type, pkgPath, name string) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	return n.Obj().Pkg().Path() == pkgPath && n.Obj().Name() == name
}

func (c *checker) recordAssign(lhs, rhs []ast.Expr) {
	for i, l := range lhs {
		id, ok := l.(*ast.Ident)
		if !ok {
			continue
		}
		v := c.varOf(id)
		if v == nil {
			continue
		}
		switch {
		case len(lhs) == len(rhs):
			c.defs[v] = append(c.defs[v], rhs[i])
		case len(rhs) == 1:
			c.defs[v] = append(c.defs[v], rhs[0])
		}
	}
}

func (c *checker) varOf(id *ast.Ident) *types.Var {
	if obj, ok := c.pass.TypesInfo.Defs[id].(*types.Var); ok {
		return obj
	}
	if obj, ok := c.pass.TypesInfo.Uses[id].(*types.Var); ok {
		return obj
	}
	return nil
}

// addParams records the request contexts a function's receiver and
// parameters hold.
func (c *checker) addParams(recv *ast.FieldList, ft *ast.FuncType) {
	if recv != nil {
		for _, f := range recv.List {
			for _, id := range f.Names {
				v, _ := c.pass.TypesInfo.Defs[id].(*types.Var)
				if v == nil || id.Name == "_" {
					continue
				}
				if field := c.ctxField(v.Type()); field != "" && c.requestScoped(v.Type()) {
					c.sources[v] = source{v: v, expr: id.Name + "." + field, rank: 1}
				}
			}
		}
	}
	if ft == nil || ft.Params == nil {
		return
	}
	for _, f := range ft.Params.List {
		for _, id := range f.Names {
			v, _ := c.pass.TypesInfo.Defs[id].(*types.Var)
			if v == nil || id.Name == "_" {
				continue
			}
			t := v.Type()
			switch {
			case isNamed(t, "net/http", "Request"):
				if _, ptr := t.(*types.Pointer); ptr {
					c.sources[v] = source{v: v, expr: id.Name + ".Context()", rank: 2}
				}
			case isNamed(t, "github.com/gin-gonic/gin", "Context"):
				if _, ptr := t.(*types.Pointer); ptr {
					c.sources[v] = source{v: v, expr: id.Name + ".Request.Context()", rank: 2}
				}
			case c.isCtx(t) && isNamed(t, "context", "Context"):
				if c.lifetime[v] {
					continue // a lifetime, not a request
				}
				c.sources[v] = source{v: v, expr: id.Name, rank: 0}
			}
		}
	}
}

// ctxField returns the name of the context.Context field of the struct t
// (or *t), or "".
func (c *checker) ctxField(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return ""
	}
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		if !f.Embedded() && isNamed(f.Type(), "context", "Context") {
			return f.Name()
		}
	}
	return ""
}

// addDerived marks context variables assigned from a request context.
func (c *checker) addDerived(lhs, rhs []ast.Expr) {
	for i, l := range lhs {
		id, ok := l.(*ast.Ident)
		if !ok || id.Name == "_" {
			continue
		}
		v := c.varOf(id)
		if v == nil || !isNamed(v.Type(), "context", "Context") {
			continue
		}
		var r ast.Expr
		switch {
		case len(lhs) == len(rhs):
			r = rhs[i]
		case len(rhs) == 1:
			r = rhs[0]
		default:
			continue
		}
		if c.derivesFromSource(r) {
			c.sources[v] = source{v: v, expr: id.Name, rank: 0}
		}
	}
}

// derivesFromSource reports whether e mentions a request context.
func (c *checker) derivesFromSource(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := c.pass.TypesInfo.Uses[id].(*types.Var); ok {
				if _, ok := c.sources[v]; ok {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// inScope returns the request context visible at pos, preferring a
// context variable declared last.
func (c *checker) inScope(pos token.Pos) (source, bool) {
	scope := c.pass.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return source{}, false
	}
	var best source
	ok := false
	for s := scope; s != nil && s != c.pass.Pkg.Scope(); s = s.Parent() {
		for _, name := range s.Names() {
			v, isVar := s.Lookup(name).(*types.Var)
			if !isVar {
				continue
			}
			src, isSrc := c.sources[v]
			if !isSrc || v.Pos() > pos {
				continue
			}
			if _, vis := scope.LookupParent(name, pos); vis != v {
				continue // shadowed here
			}
			if !ok || src.rank < best.rank || (src.rank == best.rank && v.Pos() > best.v.Pos()) {
				best, ok = src, true
			}
		}
	}
	return best, ok
}

// collectIgnores reads the //traceline:ignore comments of f, and reports
// those without a reason.
func (c *checker) collectIgnores(f *ast.File, tf *token.File) {
	for _, g := range f.Comments {
		for _, cm := range g.List {
			if strings.HasPrefix(cm.Text, "//nolint:") && strings.Contains(cm.Text, "contextcheck") {
				// The author already marked this root as deliberate.
				if c.deliberateRoots[tf] == nil {
					c.deliberateRoots[tf] = map[int]bool{}
				}
				c.deliberateRoots[tf][tf.Line(cm.Pos())] = true
				continue
			}
			text, ok := strings.CutPrefix(cm.Text, "//traceline:ignore")
			if !ok {
				continue
			}
			if text != "" && text[0] != ' ' && text[0] != '\t' {
				continue // another directive
			}
			if strings.TrimSpace(text) == "" {
				c.pass.Report(analysis.Diagnostic{Pos: cm.Pos(), End: cm.End(),
					Message: "traceline:ignore needs a reason: //traceline:ignore why this context is dropped on purpose"})
				continue
			}
			if c.ignores[tf] == nil {
				c.ignores[tf] = map[int]bool{}
			}
			c.ignores[tf][tf.Line(cm.Pos())] = true
		}
	}
}

func (c *checker) reportNoFix(n ast.Node, msg string) {
	c.report(analysis.Diagnostic{Pos: n.Pos(), End: n.End(), Message: msg})
}

func (c *checker) report(d analysis.Diagnostic) {
	tf := c.pass.Fset.File(d.Pos)
	line := tf.Line(d.Pos)
	if m := c.ignores[tf]; m[line] || m[line-1] {
		return
	}
	c.pass.Report(d)
}

// isGoMethod reports whether fn starts a goroutine that runs its function
// argument: errgroup's Go and TryGo, and conc's Go methods.
func isGoMethod(fn *types.Func) bool {
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() == nil {
		return false
	}
	path := fn.Pkg().Path()
	switch {
	case path == "golang.org/x/sync/errgroup":
		return fn.Name() == "Go" || fn.Name() == "TryGo"
	case path == "github.com/sourcegraph/conc" || strings.HasPrefix(path, "github.com/sourcegraph/conc/"):
		return fn.Name() == "Go"
	}
	return false
}

// paramRef is parameter i of fn.
type paramRef struct {
	fn *types.Func
	i  int
}

// findLifetimes marks the context parameters that stand for a lifetime
// rather than a request: those only watched (ctx.Done(), ctx.Err(),
// ctx.Deadline()), and those handed to such a parameter of a function of
// the package, as a Run(ctx) hands its ctx to a serve loop.
func (c *checker) findLifetimes() {
	param := func(r paramRef) *types.Var {
		sig := r.fn.Type().(*types.Signature)
		if r.i >= sig.Params().Len() || (sig.Variadic() && r.i >= sig.Params().Len()-1) {
			return nil
		}
		return sig.Params().At(r.i)
	}
	for fn, decl := range c.decls {
		params := fn.Type().(*types.Signature).Params()
		startup := lifecycle(fn.Name()) || c.takesHost(params)
		for i := 0; i < params.Len(); i++ {
			v := params.At(i)
			if n := c.allUses[v]; n > 0 && n == c.lifetimeUses[v] {
				c.lifetime[v] = true
				c.watched[v] = true
			}
			if startup && isNamed(v.Type(), "context", "Context") {
				c.lifetime[v] = true
			}
		}
		_ = decl
	}
	uses := map[*types.Func]int{}
	for _, obj := range c.pass.TypesInfo.Uses {
		if f, ok := obj.(*types.Func); ok && c.decls[f.Origin()] != nil {
			f = f.Origin()
			uses[f]++
		}
	}
	for changed := true; changed; {
		changed = false
		// An unexported function called only with lifetimes gets one.
		for fn, calls := range c.calls {
			if fn.Exported() || c.decls[fn] == nil || uses[fn] != len(calls) {
				continue
			}
			params := fn.Type().(*types.Signature).Params()
			for i := 0; i < params.Len(); i++ {
				p := params.At(i)
				if c.lifetime[p] || !isNamed(p.Type(), "context", "Context") {
					continue
				}
				all := true
				for _, args := range calls {
					if i >= len(args) || !c.isLifetimeExpr(args[i]) {
						all = false
						break
					}
				}
				if all {
					c.lifetime[p] = true
					changed = true
				}
			}
		}
		for v, refs := range c.handedTo {
			if c.watched[v] {
				continue
			}
			for _, r := range refs {
				if p := param(r); p != nil && c.watched[p] {
					c.lifetime[v] = true
					c.watched[v] = true
					changed = true
					break
				}
			}
		}
	}
}

// isLifetimeExpr reports whether e is a fresh root or a lifetime variable.
func (c *checker) isLifetimeExpr(e ast.Expr) bool {
	if isFreshRootExpr(c.pass.TypesInfo, e) {
		return true
	}
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	return ok && c.lifetime[v]
}

// takesHost reports whether a parameter is an OpenTelemetry Collector
// component.Host: the function is start-up code.
func (c *checker) takesHost(params *types.Tuple) bool {
	for i := 0; i < params.Len(); i++ {
		if isNamed(params.At(i).Type(), "go.opentelemetry.io/collector/component", "Host") {
			return true
		}
	}
	return false
}

// recordField notes a context field assigned from a request.
func (c *checker) recordField(obj types.Object, value ast.Expr) {
	f, ok := obj.(*types.Var)
	if !ok || !f.IsField() || !isNamed(f.Type(), "context", "Context") {
		return
	}
	ast.Inspect(value, func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok {
			if t := c.pass.TypesInfo.TypeOf(e); t != nil {
				if _, ptr := t.(*types.Pointer); ptr && (isNamed(t, "net/http", "Request") || isNamed(t, "github.com/gin-gonic/gin", "Context")) {
					c.requestFields[f] = true
				}
			}
		}
		return !c.requestFields[f]
	})
}

// requestScoped reports whether the struct t (or *t) lives for one
// request: it holds a go-zero logx.Logger beside its context (goctl's Logic
// structs), or its context field is assigned from a request.
func (c *checker) requestScoped(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		if isNamed(f.Type(), pkgLogx, "Logger") || c.requestFields[f] {
			return true
		}
	}
	return false
}

// lifecycle reports whether a function named name starts, runs, builds or
// stops a component: the context it is given bounds the component's
// lifetime or its start-up, and carries no request's trace. These are
// Start, Run, New, Create, Init, Shutdown, Stop and Close, alone or followed by a
// word (startHTTPServer, NewClient), and Serve alone (not ServeHTTP).
func lifecycle(name string) bool {
	if name == "" {
		return false
	}
	name = strings.ToUpper(name[:1]) + name[1:]
	if name == "Serve" {
		return true
	}
	for _, verb := range []string{"Start", "Run", "New", "Create", "Init", "Shutdown", "Stop", "Close"} {
		rest, ok := strings.CutPrefix(name, verb)
		if ok && (rest == "" || (rest[0] >= 'A' && rest[0] <= 'Z')) {
			return true
		}
	}
	return false
}
