package tracelint

import (
	"fmt"
	"go/ast"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// logKind says which logger a call belongs to and how it takes a context.
type logKind int

const (
	slogCall     logKind = iota + 1 // slog.Info, (*slog.Logger).Info
	zapCall                         // (*zap.Logger).Info
	zapSugarCall                    // (*zap.SugaredLogger).Infow
	zerologMsg                      // (*zerolog.Event).Msg ends a chain
	logxCall                        // logx.Info
	logrusFunc                      // logrus.Info
	logrusMethod                    // (*logrus.Logger).Info, (*logrus.Entry).Info
)

const (
	pkgSlog          = "log/slog"
	pkgZap           = "go.uber.org/zap"
	pkgZerolog       = "github.com/rs/zerolog"
	pkgZerologLog    = "github.com/rs/zerolog/log"
	pkgLogx          = "github.com/zeromicro/go-zero/core/logx"
	pkgLogrus        = "github.com/sirupsen/logrus"
	pkgZapbridge     = "github.com/traceline/traceline/adapters/zapbridge"
	pkgZerologbridge = "github.com/traceline/traceline/adapters/zerologbridge"
)

var (
	slogLevels  = set("Debug", "Info", "Warn", "Error")
	zapLevels   = set("Debug", "Info", "Warn", "Error", "DPanic", "Panic", "Fatal", "Log")
	zapSugarW   = set("Debugw", "Infow", "Warnw", "Errorw", "DPanicw", "Panicw", "Fatalw")
	zerologEnds = set("Msg", "Msgf", "Send", "MsgFunc")
	zerologLvls = set("Trace", "Debug", "Info", "Warn", "Error", "Err", "Fatal", "Panic", "Log", "WithLevel")
	// logxLevels are the package functions that logx.Logger (what
	// logx.WithContext returns) also has.
	logxLevels = set("Debug", "Debugf", "Debugv", "Debugw", "Info", "Infof", "Infov", "Infow",
		"Error", "Errorf", "Errorv", "Errorw", "Slow", "Slowf", "Slowv", "Sloww")
	logrusLevels = func() map[string]bool {
		m := map[string]bool{}
		for _, l := range []string{"Trace", "Debug", "Info", "Print", "Warn", "Warning", "Error", "Fatal", "Panic"} {
			m[l], m[l+"f"], m[l+"ln"] = true, true, true
		}
		return m
	}()
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// recvNamed reports whether fn is a method of pkgPath.typeName (or its
// pointer).
func recvNamed(fn *types.Func, pkgPath, typeName string) bool {
	recv := fn.Type().(*types.Signature).Recv()
	return recv != nil && isNamed(recv.Type(), pkgPath, typeName)
}

func isFunc(fn *types.Func) bool { return fn.Type().(*types.Signature).Recv() == nil }

// classify says whether fn is a log call that can drop a context.
func classify(fn *types.Func) (logKind, bool) {
	name := fn.Name()
	switch fn.Pkg().Path() {
	case pkgSlog:
		if slogLevels[name] && (isFunc(fn) || recvNamed(fn, pkgSlog, "Logger")) {
			return slogCall, true
		}
	case pkgZap:
		if zapLevels[name] && recvNamed(fn, pkgZap, "Logger") {
			return zapCall, true
		}
		if zapSugarW[name] && recvNamed(fn, pkgZap, "SugaredLogger") {
			return zapSugarCall, true
		}
	case pkgZerolog:
		if zerologEnds[name] && recvNamed(fn, pkgZerolog, "Event") {
			return zerologMsg, true
		}
	case pkgLogx:
		if logxLevels[name] && isFunc(fn) {
			return logxCall, true
		}
	case pkgLogrus:
		if logrusLevels[name] {
			if isFunc(fn) {
				return logrusFunc, true
			}
			if recvNamed(fn, pkgLogrus, "Logger") || recvNamed(fn, pkgLogrus, "Entry") {
				return logrusMethod, true
			}
		}
	}
	return 0, false
}

// isLogging reports whether fn writes a log line, with or without a
// context: classify's calls and the ones that take a context.
func isLogging(fn *types.Func) bool {
	if _, ok := classify(fn); ok {
		return true
	}
	name := fn.Name()
	switch fn.Pkg().Path() {
	case pkgSlog:
		return strings.HasSuffix(name, "Context") || name == "Log" || name == "LogAttrs"
	case pkgLogx:
		return logxLevels[name] && recvNamed(fn, pkgLogx, "Logger")
	case pkgZap:
		return zapSugarW[name] || zapLevels[name]
	}
	return false
}

// checkLog reports a log call that drops the request context in scope.
func (c *checker) checkLog(call *ast.CallExpr, fn *types.Func, kind logKind) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return // a method value or a dot import: leave it
	}
	src, ok := c.inScope(call.Pos())
	if !ok {
		return
	}
	where := ""
	if c.goDepth > 0 {
		where = " in a goroutine"
	}
	drops := func(what string) string {
		return fmt.Sprintf("%s%s drops the request context %s", what, where, src.expr)
	}
	var d analysis.Diagnostic
	switch kind {
	case slogCall:
		if !isFunc(fn) && c.carriesCtx(sel.X, 0) {
			return // a logger bound with a context value (With("ctx", ctx))
		}
		name := fn.Name() + "Context"
		d = c.diag(call, drops("slog."+fn.Name())+": use "+name+"("+src.expr+", …) so the line carries its trace",
			"use "+name,
			analysis.TextEdit{Pos: sel.Sel.Pos(), End: sel.Sel.End(), NewText: []byte(name)},
			analysis.TextEdit{Pos: call.Args[0].Pos(), End: call.Args[0].Pos(), NewText: []byte(src.expr + ", ")})
	case zapCall, zapSugarCall:
		for _, a := range call.Args {
			if c.carriesCtx(a, 0) {
				return
			}
		}
		if c.carriesCtx(sel.X, 0) {
			return // bound: logger.With(zapbridge.Context(ctx))
		}
		field, fix := c.zapField(call, src.expr, kind)
		msg := drops("zap "+fn.Name()) + ": add " + field + " (or log through a logger bound with it)"
		if fix == nil {
			c.reportNoFix(call, msg)
			return
		}
		d = c.diag(call, msg, "add "+field, *fix)
	case zerologMsg:
		level := c.zerologLevel(sel.X)
		if level == nil {
			return // no .Ctx in sight, but the event came from elsewhere
		}
		ls := level.Fun.(*ast.SelectorExpr)
		if c.carriesCtx(ls.X, 0) {
			return // bound: zerolog.Ctx(ctx), zerologbridge.Ctx(ctx), With().Ctx(ctx)
		}
		d = c.diag(call, drops("zerolog event")+": add .Ctx("+src.expr+") (or log through zerolog.Ctx("+src.expr+"))",
			"add .Ctx("+src.expr+")",
			analysis.TextEdit{Pos: level.End(), End: level.End(), NewText: []byte(".Ctx(" + src.expr + ")")})
	case logxCall:
		x := sel.X.(*ast.Ident).Name
		d = c.diag(call, drops("logx."+fn.Name())+": use "+x+".WithContext("+src.expr+")."+fn.Name(),
			"use "+x+".WithContext("+src.expr+")",
			analysis.TextEdit{Pos: sel.X.Pos(), End: sel.X.End(), NewText: []byte(x + ".WithContext(" + src.expr + ")")})
	case logrusFunc:
		x := sel.X.(*ast.Ident).Name
		d = c.diag(call, drops("logrus."+fn.Name())+": use "+x+".WithContext("+src.expr+")."+fn.Name(),
			"use "+x+".WithContext("+src.expr+")",
			analysis.TextEdit{Pos: sel.X.Pos(), End: sel.X.End(), NewText: []byte(x + ".WithContext(" + src.expr + ")")})
	case logrusMethod:
		if c.carriesCtx(sel.X, 0) {
			return // bound: WithContext(ctx)
		}
		d = c.diag(call, drops("logrus "+fn.Name())+": add .WithContext("+src.expr+")",
			"add .WithContext("+src.expr+")",
			analysis.TextEdit{Pos: sel.X.End(), End: sel.X.End(), NewText: []byte(".WithContext(" + src.expr + ")")})
	}
	c.report(d)
}

func (c *checker) diag(call *ast.CallExpr, msg, fixMsg string, edits ...analysis.TextEdit) analysis.Diagnostic {
	return analysis.Diagnostic{
		Pos: call.Pos(), End: call.End(), Message: msg,
		SuggestedFixes: []analysis.SuggestedFix{{Message: fixMsg, TextEdits: edits}},
	}
}

// zapField names the field that carries ctx into a zap call, and the edit
// that appends it when the file imports zapbridge or zap.
func (c *checker) zapField(call *ast.CallExpr, ctx string, kind logKind) (string, *analysis.TextEdit) {
	f := c.fileOf(call.Pos())
	bridge, zap := importName(f, pkgZapbridge), importName(f, pkgZap)
	var text string
	switch {
	case kind == zapSugarCall:
		text = strconv.Quote("context") + ", " + ctx
	case bridge != "":
		text = bridge + ".Context(" + ctx + ")"
	case zap != "":
		text = zap + ".Any(\"context\", " + ctx + ")"
	default:
		return "zapbridge.Context(" + ctx + ")", nil
	}
	if call.Ellipsis.IsValid() {
		return text, nil // fields...: the field goes into the slice
	}
	sep := ", "
	if len(call.Args) == 0 {
		sep = ""
	}
	return text, &analysis.TextEdit{Pos: call.Rparen, End: call.Rparen, NewText: []byte(sep + text)}
}

// importName returns the name under which f imports path, or "".
func importName(f *ast.File, path string) string {
	if f == nil {
		return ""
	}
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil || p != path {
			continue
		}
		if imp.Name != nil {
			if imp.Name.Name == "_" || imp.Name.Name == "." {
				return ""
			}
			return imp.Name.Name
		}
		return defaultName(path)
	}
	return ""
}

func defaultName(path string) string {
	switch path {
	case pkgZap:
		return "zap"
	}
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}

// zerologLevel walks down an event chain (….Str(…).Int(…)) to the call
// that made the event: (*zerolog.Logger).Info and the like, or the
// zerolog/log functions. It returns nil when the chain sets .Ctx or starts
// elsewhere.
func (c *checker) zerologLevel(e ast.Expr) *ast.CallExpr {
	for {
		call, ok := ast.Unparen(e).(*ast.CallExpr)
		if !ok {
			return nil
		}
		fn := callee(c.pass.TypesInfo, call)
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if fn == nil || fn.Pkg() == nil || !ok {
			return nil
		}
		switch {
		case recvNamed(fn, pkgZerolog, "Event"):
			if fn.Name() == "Ctx" {
				return nil
			}
			e = sel.X
		case zerologLvls[fn.Name()] && (recvNamed(fn, pkgZerolog, "Logger") || (fn.Pkg().Path() == pkgZerologLog && isFunc(fn))):
			return call
		default:
			return nil
		}
	}
}
