package coverage

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes r as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	if r.Sites == nil {
		r.Sites = []Site{}
	}
	if r.CallersMissing == nil {
		r.CallersMissing = []string{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes r for a person: the totals, the top sites (all when top
// <= 0) with an example of each kind, and the callers hint when callers are
// missing.
func (r *Report) WriteText(w io.Writer, top int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "coverage: %d lines from %d processes; %d with a trace id, %d without, %d of those inside a traced request of their process\n",
		r.Lines, r.Processes, r.Traced, r.Untraced, r.UntracedInRequest)
	switch {
	case r.Lines == 0:
		b.WriteString("no lines in the index: run `correlate index --data DIR PATH...` first\n")
	case r.Traced == 0:
		b.WriteString("no line carries a trace id: no request to measure against (is the logging bridge installed?)\n")
	case len(r.Sites) == 0:
		b.WriteString("no call site wrote untraced lines inside a traced request: the context is carried everywhere it is logged\n")
	default:
		sharp := 0
		for i := range r.Sites {
			if r.Sites[i].AlsoTraced() {
				sharp++
			}
		}
		fmt.Fprintf(&b, "\n%d call sites write lines without a trace id while their process serves a traced request", len(r.Sites))
		if sharp > 0 {
			fmt.Fprintf(&b, "; %d of them also write lines WITH trace ids (the context is dropped on some path: look there first)", sharp)
		}
		b.WriteString(":\n\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "#\tin request\tuntraced\ttraced\tservice\tcall site")
		n := len(r.Sites)
		if top > 0 {
			n = min(n, top)
		}
		for i := 0; i < n; i++ {
			s := &r.Sites[i]
			site := s.Key
			if !s.ByCaller {
				site = "msg: " + site
			}
			mark := ""
			if s.AlsoTraced() {
				mark = "  ◀ also traced"
			}
			fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%s\t%s%s\n", i+1, s.InRequest, s.Untraced, s.Traced, s.Service, site, mark)
		}
		tw.Flush()
		b.WriteString("\nexamples:\n")
		for i := 0; i < n; i++ {
			s := &r.Sites[i]
			fmt.Fprintf(&b, "%d. untraced %s:%d  %s\n", i+1, s.UntracedExample.File, s.UntracedExample.Line, s.UntracedExample.Msg)
			if t := s.TracedExample; t != nil {
				fmt.Fprintf(&b, "   traced   %s:%d  %s  (trace %s)\n", t.File, t.Line, t.Msg, t.TraceID)
			}
		}
		if n < len(r.Sites) {
			fmt.Fprintf(&b, "… %d more sites (--top 0 lists all)\n", len(r.Sites)-n)
		}
	}
	if len(r.CallersMissing) > 0 {
		names := make([]string, len(r.CallersMissing))
		for i, s := range r.CallersMissing {
			names[i] = s
			if s == "" {
				names[i] = "(no service name)"
			}
		}
		fmt.Fprintf(&b, "\ncallers missing: %s write no caller (file:line), so their sites are grouped by message template.\n"+
			"Turn callers on: %s\n", strings.Join(names, ", "), Hint)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
