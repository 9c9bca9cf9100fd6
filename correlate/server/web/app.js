// correlate's page. Every piece of log or span text reaches the DOM through
// textContent: nothing from a log line is ever parsed as HTML, and links are
// built only from ids that passed a hex check.
"use strict";

(function () {
  const $ = (sel, el) => (el || document).querySelector(sel);
  const hexRe = /^[0-9a-f]{16,32}$/;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === "class") e.className = v;
        else if (k === "text") e.textContent = v;
        else if (k === "href") e.setAttribute("href", safeHref(v));
        // Through the CSSOM: the CSP forbids style attributes from markup.
        else if (k === "style") e.style.cssText = v;
        else e.setAttribute(k, v);
      }
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  // safeHref lets through only links this page builds: same-origin paths
  // and http(s) URLs (Jaeger). A "javascript:" URL never becomes a link.
  function safeHref(v) {
    if (typeof v !== "string") return "#";
    if (v.startsWith("/") && !v.startsWith("//")) return v;
    try {
      const u = new URL(v);
      if (u.protocol === "http:" || u.protocol === "https:") return u.href;
    } catch (e) { /* not a URL */ }
    return "#";
  }

  function showError(msg) {
    const p = $("#error");
    p.textContent = msg;
    p.hidden = !msg;
  }

  async function api(path, opts) {
    let res;
    try {
      res = await fetch(path, Object.assign({ headers: { "Accept": "application/json" } }, opts || {}));
    } catch (e) {
      throw new Error("The correlator did not answer: " + e.message);
    }
    let body = null;
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) {
      const err = new Error((body && body.error) || ("HTTP " + res.status));
      err.status = res.status;
      err.reason = (body && typeof body.error === "string") ? body.error : "";
      throw err;
    }
    return body;
  }

  // Colours per service, stable across reloads.
  const palette = ["#2563eb", "#7c3aed", "#059669", "#d97706", "#db2777", "#0891b2", "#4b5563", "#65a30d", "#9333ea", "#dc2626"];
  function serviceColour(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return palette[h % palette.length];
  }

  function fmtTime(t) {
    if (!t) return "";
    const d = new Date(t);
    if (isNaN(d)) return String(t).slice(0, 30);
    const frac = (String(t).match(/\.(\d+)/) || [null, ""])[1];
    const hh = d.toISOString().slice(11, 19);
    return frac ? hh + "." + frac.slice(0, 6).padEnd(3, "0") : hh;
  }

  // compareTimes orders RFC 3339 times to the nanosecond (Date keeps
  // milliseconds; the digits below come from the text); a missing time
  // sorts last.
  function compareTimes(a, b) {
    if (!a || !b) return (!a) - (!b);
    const d = Date.parse(a) - Date.parse(b);
    if (d || isNaN(d)) return d || 0;
    const sub = t => (String(t).match(/\.\d{3}(\d*)/) || [null, ""])[1].padEnd(6, "0");
    return sub(a) < sub(b) ? -1 : sub(a) > sub(b) ? 1 : 0;
  }

  function fmtMs(ms) {
    if (ms >= 1000) return (ms / 1000).toFixed(2) + " s";
    if (ms >= 10) return ms.toFixed(0) + " ms";
    return ms.toFixed(2) + " ms";
  }

  function levelClass(l) {
    l = String(l || "").toLowerCase();
    if (l.startsWith("warn")) return "warn";
    if (l.startsWith("err")) return "error";
    if (l === "fatal" || l === "panic" || l === "debug" || l === "info") return l;
    if (l === "trace") return "debug";
    return "info";
  }

  // timeCell shows a line's time; a time the correlator could only place
  // approximately (coarser than its neighbours') reads "~" with the reason.
  function timeCell(l) {
    if (l.time_approx) {
      return el("span", { class: "time mono approx", text: "~" + fmtTime(l.time),
        title: (l.time || "") + " (approximate: this line's time is coarser than its neighbours'; it is placed by its span and its file's order)" });
    }
    return el("span", { class: "time mono", text: fmtTime(l.time), title: l.time || "" });
  }

  function logRow(l, showSpan) {
    const lvl = levelClass(l.level);
    const meta = [];
    if (l.service) meta.push(l.service);
    if (l.file) meta.push(l.file + ":" + l.line);
    const li = el("li", { class: "log " + lvl, "data-level": lvl, "data-service": l.service || "" },
      timeCell(l),
      el("span", { class: "lvl", text: l.level || "" }),
      el("span", { class: "msg", text: l.msg || l.raw || "" }),
      el("span", { class: "meta", text: meta.join(" · ") }));
    const tags = [];
    if (l.match && l.match !== "exact") tags.push(l.match);
    if (l.skewed) tags.push("skewed");
    if (l.reason) tags.push(l.reason);
    if (showSpan && l.span_id) tags.push("span " + l.span_id);
    if (tags.length) li.appendChild(el("span", { class: "raw", text: tags.join(" · ") }));
    return li;
  }

  // ---- links ----

  const spanRe = /^[0-9a-f]{16}$/;
  const traceRe = /^[0-9a-f]{32}$/;

  // traceHref is the page of a trace. highlight is "FILE:LINE" (a line of
  // the index: a pasted line, a search result), "error" (the trace's first
  // error line) or empty; the page reads it from ?line= and shows that
  // line and its span highlighted, scrolled into view.
  function traceHref(traceID, spanID, highlight) {
    let h = "/trace/" + traceID;
    if (highlight) h += "?line=" + encodeURIComponent(highlight);
    if (spanID && spanRe.test(spanID)) h += "#span-" + spanID;
    return h;
  }

  function fileLine(file, line) {
    return file && line ? file + ":" + line : "";
  }

  const windows = ["15m", "1h", "6h", "24h"];

  function windowSelect(id, current) {
    const sel = el("select", { id: id, name: "since" });
    for (const w of windows) sel.appendChild(el("option", { value: w, text: "last " + w, selected: w === current ? "selected" : null }));
    return sel;
  }

  // searchForm is the search bar: message text, service, level, window.
  // It leads to /search with the same parameters.
  function searchForm(p) {
    const level = el("select", { id: "s-level", name: "level" });
    for (const [v, label] of [["", "any level"], ["error", "error"], ["warn+", "warn and above"], ["warn", "warn"], ["info", "info"], ["debug", "debug"]]) {
      level.appendChild(el("option", { value: v, text: label, selected: v === (p.get("level") || "") ? "selected" : null }));
    }
    const f = el("form", { id: "searchbar", class: "searchbar", action: "/search", method: "get", autocomplete: "off" },
      el("label", { for: "s-q", class: "sr", text: "Text in the message" }),
      el("input", { id: "s-q", name: "q", type: "search", placeholder: "Search log lines: text in the message", value: p.get("q") || "" }),
      el("label", { for: "s-service", class: "sr", text: "Service" }),
      el("input", { id: "s-service", name: "service", type: "text", placeholder: "service", value: p.get("service") || "" }),
      level,
      windowSelect("s-since", p.get("since") || "1h"),
      el("button", { type: "submit", text: "Search" }));
    f.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams();
      for (const [k, v] of new FormData(f)) if (String(v).trim()) q.set(k, String(v).trim());
      location.assign("/search?" + q.toString());
    });
    return f;
  }

  // unavailable answers whether an API error means this correlator cannot
  // answer the route: it does not exist (404, an older or a trimmed build)
  // or its index was made without a search index (501).
  function unavailable(e) { return e && (e.status === 404 || e.status === 501); }

  // unavailableText is what a page says when an API is unavailable: what,
  // then the correlator's own reason when it gave one.
  function unavailableText(what, e) {
    return what + " is unavailable on this correlator" + (e.reason ? ": " + e.reason : "") + ".";
  }

  // ---- pages ----

  // home is the failing requests of a window, newest first, each a link to
  // its trace with the first error line highlighted.
  async function home() {
    document.title = "Failing requests — correlate";
    const main = $("#main");
    const params = new URLSearchParams(location.search);
    const since = windows.includes(params.get("since")) ? params.get("since") : "15m";
    const sel = windowSelect("f-since", since);
    sel.addEventListener("change", () => location.assign("/?since=" + encodeURIComponent(sel.value)));
    const list = el("section", { id: "failures", class: "panel" }, el("p", { text: "Loading failing requests…" }));
    main.replaceChildren(searchForm(new URLSearchParams()),
      el("div", { class: "summary" }, el("h1", { text: "Failing requests" }), el("label", { for: "f-since", class: "sr", text: "Window" }), sel),
      list);
    let res;
    try {
      res = await api("/api/v1/failures?since=" + encodeURIComponent(since));
    } catch (e) {
      if (!unavailable(e)) throw e;
      list.replaceChildren(el("p", { class: "note", id: "failures-unavailable", text: unavailableText("The failing-requests list", e) + " Paste a log line or a trace id above." }));
      document.body.setAttribute("data-ready", "failures");
      return;
    }
    const rows = (res && res.failures) || [];
    const frag = document.createDocumentFragment();
    if (res && res.jaeger === "unreachable") frag.appendChild(el("p", { class: "note", text: "Jaeger is unreachable: failures are found from error lines only, and spans are not counted." }));
    if (!rows.length) {
      frag.appendChild(el("p", { id: "no-failures", text: "No failing requests in the last " + since + "." }));
    } else {
      const tb = el("tbody");
      for (const f of rows) tb.appendChild(failureRow(f));
      frag.appendChild(el("table", { id: "failures-table", class: "list" },
        el("thead", null, el("tr", null, ...["time", "services", "first error", "lines", "spans", "duration", "sampled"].map(h => el("th", { text: h })))),
        tb));
    }
    list.replaceChildren(frag);
    document.body.setAttribute("data-ready", "failures");
  }

  function failureRow(f) {
    const fe = f.first_error || {};
    const ok = traceRe.test(f.trace_id || "");
    // The first error line when the list names one; a trace failed only by
    // a span in error opens without a highlighted line.
    const hl = fileLine(fe.file, fe.line) || (fe.msg ? "error" : "");
    const msg = el("span", { class: "msg", text: fe.msg || "(no error line: a span in error)" });
    const first = el("td", { class: "first-error" },
      fe.service ? el("span", { class: "svc", style: "background:" + serviceColour(fe.service), text: fe.service }) : null,
      ok ? el("a", { href: traceHref(f.trace_id, "", hl), class: "trace-link" }, msg) : msg);
    const services = el("td", { class: "services" });
    for (const s of f.services || []) services.appendChild(el("span", { class: "svc", style: "background:" + serviceColour(s), text: s }));
    const sampled = f.sampled ? "yes" : "no" + (f.reason ? ": " + f.reason : "");
    return el("tr", { class: "failure" + (f.sampled ? "" : " unsampled"), "data-trace": ok ? f.trace_id : "" },
      el("td", { class: "time mono", text: fmtTime(fe.time || f.start), title: fe.time || f.start || "" }),
      services, first,
      el("td", { class: "num", text: String(f.lines || 0) + (f.error_lines ? " (" + f.error_lines + " error)" : "") }),
      el("td", { class: "num", text: String(f.spans || 0) + (f.error_spans ? " (" + f.error_spans + " error)" : "") }),
      el("td", { class: "num", text: f.duration_ms ? fmtMs(f.duration_ms) : "" }),
      el("td", { class: "sampled", text: sampled }));
  }

  // searchPage shows the entries of /api/v1/search for the page's
  // parameters, newest first, a page at a time.
  async function searchPage() {
    document.title = "Search — correlate";
    const main = $("#main");
    const p = new URLSearchParams(location.search);
    const since = windows.includes(p.get("since")) ? p.get("since") : "1h";
    const q = new URLSearchParams({ since: since, limit: "50" });
    for (const k of ["q", "service", "level"]) if (p.get(k)) q.set(k, p.get(k));
    const tb = el("tbody");
    const table = el("table", { id: "results", class: "list" },
      el("thead", null, el("tr", null, ...["time", "service", "level", "message", "trace"].map(h => el("th", { text: h })))), tb);
    const status = el("p", { id: "search-status", text: "Searching…" });
    const more = el("button", { type: "button", id: "search-next", class: "hidden", text: "Next" });
    main.replaceChildren(searchForm(p), status, table, el("p", null, more));
    let shown = 0;
    async function load(cursor) {
      if (cursor) q.set("cursor", cursor);
      let res;
      try {
        res = await api("/api/v1/search?" + q.toString());
      } catch (e) {
        if (!unavailable(e)) throw e;
        status.textContent = unavailableText("Search", e);
        status.id = "search-unavailable";
        table.classList.add("hidden");
        return;
      }
      for (const e of (res && res.entries) || []) tb.appendChild(resultRow(e));
      shown = tb.childElementCount;
      status.textContent = shown ? shown + " lines, newest first" + (res.scanned ? " (" + res.scanned + " scanned)" : "") : "No line matches in the last " + since + ".";
      more.classList.toggle("hidden", !(res && res.next));
      more.onclick = () => {
        more.disabled = true;
        load(res.next).catch(e => showError(e.message)).finally(() => { more.disabled = false; });
      };
      document.body.setAttribute("data-results", String(shown));
    }
    await load("");
    document.body.setAttribute("data-ready", "search");
  }

  function resultRow(e) {
    const lvl = levelClass(e.level);
    const fields = [];
    for (const [k, v] of Object.entries(e.fields || {})) fields.push(k + "=" + v);
    const msg = el("td", { class: "msg" }, el("span", { text: e.msg || "" }),
      fields.length ? el("span", { class: "fields", text: fields.join(" ") }) : null,
      e.file ? el("span", { class: "meta", text: e.file + ":" + e.line }) : null);
    const link = traceRe.test(e.trace_id || "")
      ? el("a", { class: "trace-link mono", href: traceHref(e.trace_id, e.span_id, fileLine(e.file, e.line)), text: e.trace_id.slice(0, 8) + (e.span_id ? " · " + e.span_id.slice(0, 8) : "") })
      : el("span", { class: "meta", text: "no trace" });
    return el("tr", { class: "result lvl-" + lvl },
      el("td", null, timeCell(e)),
      el("td", null, e.service ? el("span", { class: "svc", style: "background:" + serviceColour(e.service), text: e.service }) : null),
      el("td", { class: "lvl", text: e.level || "" }),
      msg, el("td", null, link));
  }

  // highlightOf reads ?line= of the trace page: {file, line} of one line,
  // {error: true} for the first error line, or null.
  function highlightOf() {
    const v = new URLSearchParams(location.search).get("line");
    if (!v) return null;
    if (v === "error") return { error: true };
    const i = v.lastIndexOf(":");
    if (i <= 0) return null;
    return { file: v.slice(0, i), line: v.slice(i + 1) };
  }

  // findHighlight returns the line to highlight in tr and the span id it
  // sits under ("" for an orphan), or null.
  function findHighlight(tr, hl) {
    if (!hl) return null;
    let best = null;
    const consider = (l, spanID) => {
      if (hl.error) {
        const lv = levelClass(l.level);
        if (lv !== "error" && lv !== "fatal" && lv !== "panic") return;
        if (!best || compareTimes(l.time, best.line.time) < 0) best = { line: l, span: spanID };
      } else if (!best && l.file === hl.file && String(l.line) === hl.line) {
        best = { line: l, span: spanID };
      }
    };
    for (const s of tr.spans || []) for (const l of s.logs || []) consider(l, s.span_id);
    for (const l of tr.orphans || []) consider(l, "");
    return best;
  }

  // tagPage marks each line of one answer with the answer's number: a
  // line's "pos" (its place in the reading order) counts within its page.
  function tagPage(page, n) {
    for (const s of page.spans || []) for (const l of s.logs || []) l.page = n;
    for (const l of page.orphans || []) l.page = n;
  }

  // readingOrder sorts lines by page, then by their place in the server's
  // reading order (a coarse time, e.g. whole seconds, is placed by its span
  // and file there); by time when a line has no place.
  function readingOrder(a, b) {
    if (typeof a.pos === "number" && typeof b.pos === "number") {
      return ((a.page || 0) - (b.page || 0)) || (a.pos - b.pos);
    }
    return compareTimes(a.time, b.time);
  }

  // maxHighlightPages bounds the pages read to reach a highlighted line.
  const maxHighlightPages = 20;

  async function tracePage(id) {
    const main = $("#main");
    main.replaceChildren(el("p", { text: "Loading trace " + id + "…" }));
    const t0 = performance.now();
    const tr = await api("/api/v1/traces/" + encodeURIComponent(id));
    tagPage(tr, 0);
    tr.pages = 1;
    const hl = highlightOf();
    // A highlighted line past the first page: read on until it is there
    // (pages come in time order, so the first error line found is the first).
    for (let n = 1; hl && tr.next && n < maxHighlightPages && !findHighlight(tr, hl); n++) {
      morePage(tr, await api("/api/v1/traces/" + encodeURIComponent(id) + "?cursor=" + encodeURIComponent(tr.next)));
    }
    const t1 = performance.now();
    renderTrace(main, tr, id, hl);
    document.title = "trace " + tr.trace_id.slice(0, 8) + " — correlate";
    document.body.setAttribute("data-rendered-ms", String(Math.round(performance.now() - t0)));
    document.body.setAttribute("data-render-ms", String(Math.round(performance.now() - t1)));
    document.body.setAttribute("data-ready", "trace");
  }

  // morePage adds the next page of lines (the answer of ?cursor=) to the
  // trace shown: each span's lines to its span, the rest to the orphans.
  function morePage(tr, page) {
    tagPage(page, tr.pages || 1);
    tr.pages = (tr.pages || 1) + 1;
    const byId = new Map((tr.spans || []).map(s => [s.span_id, s]));
    for (const s of page.spans || []) {
      const have = byId.get(s.span_id);
      if (have) have.logs = (have.logs || []).concat(s.logs || []);
      else { (tr.spans = tr.spans || []).push(s); byId.set(s.span_id, s); }
    }
    tr.orphans = (tr.orphans || []).concat(page.orphans || []);
    tr.next = page.next;
  }

  // niceStep is the tick interval (1, 2 or 5 × 10^n ms) that cuts total
  // into about six.
  function niceStep(total) {
    const raw = total / 6;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
    return 10 * p;
  }

  // timeAxis is the waterfall's scale: ticks from the trace's start.
  function timeAxis(total) {
    const track = el("div", { class: "axis-track" });
    if (isFinite(total) && total > 0) {
      const step = niceStep(total);
      for (let t = 0; t <= total * 1.0001; t += step) {
        const left = (t / total) * 100;
        track.appendChild(el("span", { class: "tick" + (left > 92 ? " end" : ""), style: "left:" + left.toFixed(3) + "%", text: fmtMs(t) }));
      }
    }
    return el("div", { class: "axis", id: "time-axis" }, el("div", { class: "meta", text: "span" }), track, el("div", { class: "dur meta", text: "duration" }));
  }

  function kvTable(title, cls, obj) {
    const keys = Object.keys(obj || {});
    if (!keys.length) return null;
    const tb = el("tbody");
    for (const k of keys) tb.appendChild(el("tr", null, el("th", { class: "mono", text: k }), el("td", { class: "mono", text: String(obj[k]) })));
    return el("div", { class: cls }, el("h3", { text: title }), el("table", { class: "kv" }, tb));
  }

  // spanDetails is what a click on a span shows: ids, kind, status,
  // attributes, events and resource. Built on first click only.
  function spanDetails(s) {
    const st = Date.parse(s.start);
    const status = s.status || (s.error ? "error" : "unset");
    const facts = {
      "span id": s.span_id, "parent span id": s.parent_span_id || "(root)", service: s.service || "", kind: s.kind || "(unknown)",
      start: s.start || "", duration: fmtMs(s.duration_ms || 0),
    };
    const box = el("div", { class: "details", "data-details": s.span_id },
      el("p", { class: "status status-" + status }, el("strong", { text: "Status: " + status }), s.status_message ? el("span", { class: "status-msg", text: " — " + s.status_message }) : null),
      kvTable("Span", "facts", facts),
      kvTable("Attributes", "attributes", s.attributes));
    if ((s.events || []).length) {
      const ul = el("ul", { class: "events" });
      for (const e of s.events) {
        const at = Date.parse(e.time);
        const off = isNaN(at) || isNaN(st) ? "" : "+" + fmtMs(at - st);
        ul.appendChild(el("li", { class: "event" },
          el("span", { class: "time mono", text: off, title: e.time || "" }), el("strong", { class: "event-name", text: e.name || "(unnamed)" }),
          kvTable("", "event-attrs", e.attributes)));
      }
      box.appendChild(el("div", { class: "events-box" }, el("h3", { text: "Events" }), ul));
    }
    const res = kvTable("Resource", "resource", s.resource);
    if (res) box.appendChild(res);
    if (!Object.keys(s.attributes || {}).length && !(s.events || []).length && !Object.keys(s.resource || {}).length) {
      box.appendChild(el("p", { class: "meta", text: "The trace source gave no attributes, events or resource for this span." }));
    }
    return box;
  }

  // renderTrace draws tr; hl is the line to highlight (highlightOf), which
  // is scrolled into view unless keepScroll (another page of lines came in).
  function renderTrace(main, tr, id, hl, keepScroll) {
    const spans = tr.spans || [];
    const orphans = tr.orphans || [];
    let minStart = Infinity, maxEnd = -Infinity, nLogs = orphans.length;
    const services = new Set(), levels = new Set();
    for (const s of spans) {
      const st = Date.parse(s.start);
      if (!isNaN(st)) {
        minStart = Math.min(minStart, st);
        maxEnd = Math.max(maxEnd, st + (s.duration_ms || 0));
      }
      if (s.service) services.add(s.service);
      for (const l of s.logs || []) { nLogs++; levels.add(levelClass(l.level)); if (l.service) services.add(l.service); }
    }
    for (const l of orphans) { levels.add(levelClass(l.level)); if (l.service) services.add(l.service); }
    const total = Math.max(maxEnd - minStart, 0.001);
    const target = findHighlight(tr, hl);

    const frag = document.createDocumentFragment();
    const head = el("div", { class: "summary" },
      el("h1", null, "Trace ", el("span", { class: "id", text: tr.trace_id })),
      el("span", { text: spans.length + " spans · " + nLogs + " log lines" + (isFinite(total) && spans.length ? " · " + fmtMs(total) : "") }));
    if (tr.jaeger_url) head.appendChild(el("a", { href: tr.jaeger_url, target: "_blank", rel: "noopener noreferrer", text: "Open in Jaeger" }));
    head.appendChild(el("a", { href: traceHref(tr.trace_id, location.hash.slice(6), new URLSearchParams(location.search).get("line") || ""), class: "permalink", text: "Link to this view" }));
    frag.appendChild(head);
    for (const n of tr.notes || []) frag.appendChild(el("p", { class: "note", text: n }));
    if (hl && !target) frag.appendChild(el("p", { class: "note", id: "highlight-missing", text: hl.error ? "No error line of this trace is in the index." : "The line " + hl.file + ":" + hl.line + " is not among this trace's lines shown here." }));

    // Filters: levels and services; the merged chronological view.
    const bar = el("div", { class: "toolbar" });
    const levelChips = el("div", { class: "chips" }, el("span", { text: "Levels:" }));
    for (const l of ["debug", "info", "warn", "error", "fatal", "panic"]) {
      if (!levels.has(l)) continue;
      const cb = el("input", { type: "checkbox", checked: "checked", "data-filter-level": l });
      levelChips.appendChild(el("label", { class: "chip lvl-" + l }, cb, el("span", { class: "lvl", text: l })));
    }
    const svcChips = el("div", { class: "chips" }, el("span", { text: "Services:" }));
    for (const s of [...services].sort()) {
      const cb = el("input", { type: "checkbox", checked: "checked", "data-filter-service": s });
      svcChips.appendChild(el("label", { class: "chip" }, cb, el("span", { class: "svc", style: "background:" + serviceColour(s), text: s })));
    }
    const mergedToggle = el("input", { type: "checkbox", id: "merged-toggle" });
    bar.append(levelChips, svcChips, el("label", null, mergedToggle, " Merged chronological view"),
      el("button", { type: "button", id: "collapse-all", text: "Collapse all" }));
    frag.appendChild(bar);

    // Waterfall with each span's lines under it.
    const byId = new Map(spans.map(s => [s.span_id, s]));
    const depth = new Map();
    function depthOf(s) {
      if (depth.has(s.span_id)) return depth.get(s.span_id);
      depth.set(s.span_id, 0);
      const p = s.parent_span_id && byId.get(s.parent_span_id);
      const d = p ? depthOf(p) + 1 : 0;
      depth.set(s.span_id, d);
      return d;
    }
    const hashSpan = location.hash.startsWith("#span-") ? location.hash.slice(6) : "";
    const hlSpan = target ? target.span : hashSpan;
    let hlLi = null;
    const list = el("div", { class: "spans", id: "waterfall" });
    if (spans.length) list.appendChild(timeAxis(total));
    for (const s of spans) {
      const st = Date.parse(s.start);
      const left = isNaN(st) ? 0 : ((st - minStart) / total) * 100;
      const width = Math.max(((s.duration_ms || 0) / total) * 100, 0.2);
      const logs = s.logs || [];
      // silent_error: in error with no line, and not a client span whose
      // server span holds the lines (the correlator decides).
      const silent = s.silent_error && !logs.length;
      const row = el("div", { class: "span-row", title: s.service + " " + s.name + " (click for details)", "data-row": s.span_id },
        el("div", { class: "span-name", style: "padding-left:" + (depthOf(s) * 14) + "px" },
          el("button", { type: "button", class: "fold", title: "Show or hide this span's lines", "aria-label": "fold", text: "▾" }),
          el("span", { class: "svc", style: "background:" + serviceColour(s.service || ""), text: s.service || "?" }),
          el("span", { text: s.name || "" }),
          logs.length ? el("span", { class: "meta", text: "  (" + logs.length + ")" }) : null,
          silent ? el("span", { class: "flag", text: "no log lines" }) : null),
        el("div", { class: "track" }, el("div", { class: "bar", style: "left:" + left.toFixed(3) + "%;width:" + width.toFixed(3) + "%" })),
        el("div", { class: "dur", text: fmtMs(s.duration_ms || 0) }));
      const ul = el("ul", { class: "logs" });
      ul.style.marginLeft = (depthOf(s) * 14) + "px";
      for (const l of logs) {
        const li = logRow(l, false);
        if (target && l === target.line) { li.classList.add("hl"); li.id = "highlighted-line"; hlLi = li; }
        ul.appendChild(li);
      }
      const box = el("div", { class: "span" + (s.error ? " err" : "") + (s.span_id === hlSpan ? " hl-span" : ""), id: "span-" + s.span_id, "data-span": s.span_id }, row, ul);
      if (tr.jaeger_ui) {
        row.lastChild.appendChild(el("a", { href: tr.jaeger_ui + "/trace/" + tr.trace_id + "?uiFind=" + s.span_id, target: "_blank", rel: "noopener noreferrer", class: "meta", text: " Jaeger" }));
      }
      list.appendChild(box);
    }
    // One listener for every span: the fold button folds its lines, a click
    // elsewhere on the row shows or hides the span's details.
    list.addEventListener("click", (ev) => {
      if (ev.target.closest("a")) return;
      const row = ev.target.closest(".span-row");
      if (!row) return;
      const box = row.parentElement;
      if (ev.target.closest(".fold")) { box.classList.toggle("collapsed"); return; }
      let d = box.querySelector(":scope > .details");
      if (!d) { d = spanDetails(byId.get(row.getAttribute("data-row"))); row.after(d); } else d.classList.toggle("hidden");
      box.classList.toggle("open", !d.classList.contains("hidden"));
    });
    frag.appendChild(list);

    if (orphans.length) {
      const ul = el("ul", { class: "logs" });
      for (const l of orphans) {
        const li = logRow(l, true);
        if (target && l === target.line) { li.classList.add("hl"); li.id = "highlighted-line"; hlLi = li; }
        ul.appendChild(li);
      }
      frag.appendChild(el("section", { class: "orphans", id: "orphans" }, el("h2", { text: "Lines without a span in this trace (" + orphans.length + ")" }), ul));
    }

    // A trace's lines come a page at a time: more on demand.
    if (tr.next) {
      const btn = el("button", { type: "button", id: "load-more", text: "Load more lines" });
      btn.addEventListener("click", async () => {
        btn.disabled = true;
        btn.textContent = "Loading…";
        try {
          const page = await api("/api/v1/traces/" + encodeURIComponent(id) + "?cursor=" + encodeURIComponent(tr.next));
          morePage(tr, page);
          renderTrace(main, tr, id, hl, true);
          document.body.setAttribute("data-pages", String(Number(document.body.getAttribute("data-pages") || "1") + 1));
        } catch (e) {
          showError(e.message);
          btn.disabled = false;
          btn.textContent = "Load more lines";
        }
      });
      frag.appendChild(el("p", { class: "more" }, el("span", { class: "meta", text: nLogs + " lines shown; the trace has more. " }), btn));
    }

    // The merged view is built on first use: 10,000 lines twice would double the first render.
    const merged = el("section", { class: "merged hidden", id: "merged" });
    let mergedBuilt = false;
    function buildMerged() {
      const all = [];
      for (const s of spans) for (const l of s.logs || []) all.push({ l: l, span: s.span_id });
      for (const l of orphans) all.push({ l: l });
      all.sort((a, b) => readingOrder(a.l, b.l));
      const ul = el("ul", { class: "logs" });
      for (const { l, span } of all) {
        const li = logRow(span ? Object.assign({ span_id: span }, l) : l, true);
        if (target && l === target.line) li.classList.add("hl");
        ul.appendChild(li);
      }
      merged.append(el("h2", { text: "All " + all.length + " lines in reading order" }), ul);
      mergedBuilt = true;
    }
    frag.appendChild(merged);
    main.replaceChildren(frag);

    function applyFilters() {
      const lv = new Set([...main.querySelectorAll("[data-filter-level]")].filter(c => c.checked).map(c => c.getAttribute("data-filter-level")));
      const sv = new Set([...main.querySelectorAll("[data-filter-service]")].filter(c => c.checked).map(c => c.getAttribute("data-filter-service")));
      for (const li of main.querySelectorAll("li.log")) {
        const ok = lv.has(li.getAttribute("data-level")) && (li.getAttribute("data-service") === "" || sv.has(li.getAttribute("data-service")));
        li.classList.toggle("hidden", !ok);
      }
    }
    bar.addEventListener("change", (ev) => {
      if (ev.target === mergedToggle) {
        if (mergedToggle.checked && !mergedBuilt) { buildMerged(); }
        merged.classList.toggle("hidden", !mergedToggle.checked);
        list.classList.toggle("hidden", mergedToggle.checked);
      }
      applyFilters();
    });
    $("#collapse-all").addEventListener("click", () => {
      const boxes = list.querySelectorAll(".span");
      const collapse = ![...boxes].some(b => b.classList.contains("collapsed"));
      for (const b of boxes) b.classList.toggle("collapsed", collapse);
      $("#collapse-all").textContent = collapse ? "Expand all" : "Collapse all";
    });
    if (keepScroll) return;
    if (hlLi) hlLi.scrollIntoView({ block: "center" });
    else if (hlSpan) { const t = document.getElementById("span-" + hlSpan); if (t) t.scrollIntoView(); }
  }

  async function coveragePage() {
    const main = $("#main");
    main.replaceChildren(el("p", { text: "Loading coverage…" }));
    const cov = await api("/api/v1/coverage");
    const frag = document.createDocumentFragment();
    frag.appendChild(el("h1", { text: "Where services drop the context" }));
    frag.appendChild(el("p", { text: "Call sites that wrote lines without trace ids while their process was inside a traced request. A call site also seen with trace ids is the sharpest signal: the same code runs with and without the request's context (often a goroutine started without ctx)." }));
    for (const n of cov.notes || []) frag.appendChild(el("p", { class: "note", text: n }));
    const sites = cov.sites || [];
    if (!sites.length) frag.appendChild(el("p", { text: "No call site lost the context in the indexed lines." }));
    else {
      const tb = el("tbody");
      for (const s of sites) {
        const ex = s.untraced_example || {};
        tb.appendChild(el("tr", { class: s.traced ? "also-traced" : "" },
          el("td", { class: "mono", text: (s.by_caller ? "" : "msg: ") + (s.key || "") }),
          el("td", { text: s.service || "" }),
          el("td", { text: String(s.in_request || 0) + (s.untraced > s.in_request ? " (" + s.untraced + " in all)" : "") }),
          el("td", { text: s.traced ? "yes (" + s.traced + ")" : "no" }),
          el("td", { class: "example", text: (ex.msg || "") + (ex.file ? "  — " + ex.file + ":" + ex.line : "") })));
      }
      frag.appendChild(el("p", { text: (cov.untraced_in_request || 0) + " of " + (cov.lines || 0) + " lines were written without trace ids inside a traced request." }));
      frag.appendChild(el("table", { id: "coverage" },
        el("thead", null, el("tr", null, el("th", { text: "call site" }), el("th", { text: "service" }), el("th", { text: "lines without trace, inside a request" }), el("th", { text: "same site with trace" }), el("th", { text: "example" }))),
        tb));
    }
    main.replaceChildren(frag);
    document.body.setAttribute("data-ready", "coverage");
  }

  async function statusPage() {
    const main = $("#main");
    const st = await api("/api/v1/status");
    main.replaceChildren(el("h1", { text: "Index status" }), el("pre", { class: "mono", text: JSON.stringify(st, null, 2) }));
    document.body.setAttribute("data-ready", "status");
  }

  // find goes from a pasted line (or id) to its trace: the span in the
  // fragment, the line itself in ?line= when the index holds it.
  async function find(q) {
    q = q.trim();
    if (!q) return;
    showError("");
    const id = q.toLowerCase();
    if (hexRe.test(id)) { location.assign("/trace/" + id); return; }
    const res = await api("/api/v1/find", { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify({ line: q }) });
    if (!res || !hexRe.test(res.trace_id || "")) throw new Error("No trace id in that line.");
    location.assign(traceHref(res.trace_id, res.span_id, fileLine(res.file, res.line)));
  }

  function route() {
    const p = location.pathname;
    const m = p.match(/^\/trace\/([0-9A-Fa-f]{1,32})\/?$/);
    let work;
    if (m) work = tracePage(m[1].toLowerCase());
    else if (p === "/coverage") work = coveragePage();
    else if (p === "/status") work = statusPage();
    else if (p === "/search") work = searchPage();
    else work = home();
    work.catch(e => { showError(e.message); document.body.setAttribute("data-ready", "error"); });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = $("#search"), q = $("#q");
    form.addEventListener("submit", (ev) => { ev.preventDefault(); find(q.value).catch(e => showError(e.message)); });
    q.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); find(q.value).catch(e => showError(e.message)); }
    });
    route();
  });
})();
