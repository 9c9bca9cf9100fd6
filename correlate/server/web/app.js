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
    if (!res.ok) throw new Error((body && body.error) || ("HTTP " + res.status));
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

  function logRow(l, showSpan) {
    const lvl = levelClass(l.level);
    const meta = [];
    if (l.service) meta.push(l.service);
    if (l.file) meta.push(l.file + ":" + l.line);
    const li = el("li", { class: "log " + lvl, "data-level": lvl, "data-service": l.service || "" },
      el("span", { class: "time mono", text: fmtTime(l.time), title: l.time || "" }),
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

  // ---- pages ----

  async function home() {
    document.title = "correlate";
  }

  async function tracePage(id) {
    const main = $("#main");
    main.replaceChildren(el("p", { text: "Loading trace " + id + "…" }));
    const t0 = performance.now();
    const tr = await api("/api/v1/traces/" + encodeURIComponent(id));
    renderTrace(main, tr, id);
    document.title = "trace " + tr.trace_id.slice(0, 8) + " — correlate";
    document.body.setAttribute("data-rendered-ms", String(Math.round(performance.now() - t0)));
    document.body.setAttribute("data-ready", "trace");
  }

  // morePage adds the next page of lines (the answer of ?cursor=) to the
  // trace shown: each span's lines to its span, the rest to the orphans.
  function morePage(tr, page) {
    const byId = new Map((tr.spans || []).map(s => [s.span_id, s]));
    for (const s of page.spans || []) {
      const have = byId.get(s.span_id);
      if (have) have.logs = (have.logs || []).concat(s.logs || []);
      else { (tr.spans = tr.spans || []).push(s); byId.set(s.span_id, s); }
    }
    tr.orphans = (tr.orphans || []).concat(page.orphans || []);
    tr.next = page.next;
  }

  function renderTrace(main, tr, id) {
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

    const frag = document.createDocumentFragment();
    const head = el("div", { class: "summary" },
      el("h1", null, "Trace ", el("span", { class: "id", text: tr.trace_id })),
      el("span", { text: spans.length + " spans · " + nLogs + " log lines" + (isFinite(total) && spans.length ? " · " + fmtMs(total) : "") }));
    if (tr.jaeger_url) head.appendChild(el("a", { href: tr.jaeger_url, target: "_blank", rel: "noopener noreferrer", text: "Open in Jaeger" }));
    head.appendChild(el("a", { href: "/trace/" + tr.trace_id, class: "permalink", text: "Link to this view" }));
    frag.appendChild(head);
    for (const n of tr.notes || []) frag.appendChild(el("p", { class: "note", text: n }));

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
    const list = el("div", { class: "spans", id: "waterfall" });
    for (const s of spans) {
      const st = Date.parse(s.start);
      const left = isNaN(st) ? 0 : ((st - minStart) / total) * 100;
      const width = Math.max(((s.duration_ms || 0) / total) * 100, 0.2);
      const logs = s.logs || [];
      const row = el("div", { class: "span-row", title: s.service + " " + s.name },
        el("div", { class: "span-name", style: "padding-left:" + (depthOf(s) * 14) + "px" },
          el("span", { class: "svc", style: "background:" + serviceColour(s.service || ""), text: s.service || "?" }),
          el("span", { text: s.name || "" }),
          logs.length ? el("span", { class: "meta", text: "  (" + logs.length + ")" }) : null,
          s.error && !logs.length ? el("span", { class: "flag", text: "no log lines" }) : null),
        el("div", { class: "track" }, el("div", { class: "bar", style: "left:" + left.toFixed(3) + "%;width:" + width.toFixed(3) + "%" })),
        el("div", { class: "dur", text: fmtMs(s.duration_ms || 0) }));
      const ul = el("ul", { class: "logs" });
      ul.style.marginLeft = (depthOf(s) * 14) + "px";
      for (const l of logs) ul.appendChild(logRow(l, false));
      const box = el("div", { class: "span" + (s.error ? " err" : ""), id: "span-" + s.span_id, "data-span": s.span_id }, row, ul);
      if (tr.jaeger_ui) {
        row.lastChild.appendChild(el("a", { href: tr.jaeger_ui + "/trace/" + tr.trace_id + "?uiFind=" + s.span_id, target: "_blank", rel: "noopener noreferrer", class: "meta", text: " Jaeger" }));
      }
      row.addEventListener("click", (ev) => { if (ev.target.tagName !== "A") box.classList.toggle("collapsed"); });
      list.appendChild(box);
    }
    frag.appendChild(list);

    if (orphans.length) {
      const ul = el("ul", { class: "logs" });
      for (const l of orphans) ul.appendChild(logRow(l, true));
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
          renderTrace(main, tr, id);
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
      for (const s of spans) for (const l of s.logs || []) all.push(Object.assign({ span_id: s.span_id }, l));
      for (const l of orphans) all.push(l);
      all.sort((a, b) => String(a.time || "").localeCompare(String(b.time || "")));
      const ul = el("ul", { class: "logs" });
      for (const l of all) ul.appendChild(logRow(l, true));
      merged.append(el("h2", { text: "All " + all.length + " lines in time order" }), ul);
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
    const hash = location.hash.slice(1);
    if (hash.startsWith("span-")) { const t = document.getElementById(hash); if (t) t.scrollIntoView(); }
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

  async function find(q) {
    q = q.trim();
    if (!q) return;
    showError("");
    const id = q.toLowerCase();
    if (hexRe.test(id)) { location.assign("/trace/" + id); return; }
    const res = await api("/api/v1/find", { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify({ line: q }) });
    if (!res || !hexRe.test(res.trace_id || "")) throw new Error("No trace id in that line.");
    location.assign("/trace/" + res.trace_id + (res.span_id && /^[0-9a-f]{16}$/.test(res.span_id) ? "#span-" + res.span_id : ""));
  }

  function route() {
    const p = location.pathname;
    const m = p.match(/^\/trace\/([0-9A-Fa-f]{1,32})\/?$/);
    let work;
    if (m) work = tracePage(m[1].toLowerCase());
    else if (p === "/coverage") work = coveragePage();
    else if (p === "/status") work = statusPage();
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
