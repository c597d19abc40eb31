// The drawer: event card (with review), document view (evidence highlighted, removed boilerplate
// struck through), cluster lists and actor review (alias, merge, split). All text goes in as text.
import * as api from "./api.js";
import { clear, h, safeUrl, typeColor } from "./dom.js";

const fmt = (v) => (v === null || v === undefined || v === "" ? "—" : Array.isArray(v) ? v.join("; ") || "—" : String(v));
const json = (v) => (v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));

export class Drawer {
  constructor(root, { app }) {
    this.root = root;
    this.body = root.querySelector("#drawer-body");
    this.app = app;
    root.querySelector("#drawer-close").addEventListener("click", () => this.close());
    document.addEventListener("keydown", (e) => e.key === "Escape" && this.close());
  }

  open(...children) {
    clear(this.body).append(...children);
    this.root.hidden = false;
    this.root.scrollTop = 0;
  }

  close() {
    this.root.hidden = true;
    this.app.select(null);
  }

  status() {
    return h("div", { class: "status", role: "status", "aria-live": "polite" });
  }

  fail(el, err) {
    el.className = "status error";
    el.textContent = err.status === 401
      ? `Refused (401): ${err.detail} — set a token with the Token button (frontlines token create).`
      : `Error ${err.status ?? ""}: ${typeof err.detail === "string" ? err.detail : JSON.stringify(err.detail ?? err.message)}`;
  }

  // ---------------------------------------------------------------- cluster

  /** The events of a map cluster that cannot be split further (one place): listed from /api/events. */
  async showCluster(c) {
    const [w, s, e, n] = c.bbox || [c.lon, c.lat, c.lon, c.lat];
    const pad = 1e-4;
    let r;
    try {
      r = await api.get("/api/events", { ...this.app.params(), bbox: [w - pad, s - pad, e + pad, n + pad].map((v) => v.toFixed(5)).join(","), limit: 200 });
    } catch (err) {
      const st = this.status();
      this.fail(st, err);
      this.open(st);
      return;
    }
    const events = r ? r.events : [];
    const list = h("ul", { class: "plain cluster-list" });
    for (const ev of events) {
      const dot = h("span", { class: "dot" });
      dot.style.background = typeColor(ev.event_type);
      list.append(h("li", {}, h("button", { type: "button", class: "linkish", dataset: { eventId: ev.id }, onclick: () => this.app.select(ev.id) },
        dot, `${ev.event_date || "undated"} · ${ev.sub_event_type} · ${ev.actor1 || "?"}${ev.actor2 ? " vs " + ev.actor2 : ""}`)));
    }
    const more = r && r.total > events.length ? ` (first ${events.length})` : "";
    this.open(h("h3", {}, `${r ? r.total : 0} events at ${events[0]?.location || "this place"}${more}`), list);
  }

  // ---------------------------------------------------------------- event card

  async showEvent(id) {
    let ev;
    try {
      ev = await api.get(`/api/events/${encodeURIComponent(id)}`);
    } catch (err) {
      const st = this.status();
      this.fail(st, err);
      this.open(st);
      return;
    }
    const locked = new Set(ev.reviewed_fields || []);
    const lock = (...cols) => (cols.some((c) => locked.has(c)) ? h("span", { class: "locked", title: "set by a reviewer: re-runs keep it" }, "reviewed") : null);
    const actorLink = (aid, name) => (aid ? h("button", { type: "button", class: "linkish", onclick: () => this.showActor(aid) }, name || aid) : fmt(name));
    const dot = h("span", { class: "dot" });
    dot.style.background = typeColor(ev.event_type);
    const card = h("article", { class: "event-card", dataset: { eventId: ev.id } },
      h("h3", {}, dot, `${ev.event_type}: ${ev.sub_event_type}`),
      h("dl", { class: "facts" },
        h("dt", {}, "date"), h("dd", { class: "f-date" }, fmt(ev.event_date), lock("event_date")),
        h("dt", {}, "actor 1"), h("dd", { class: "f-actor1" }, actorLink(ev.actor1_id, ev.actor1), lock("actor1")),
        h("dt", {}, "actor 2"), h("dd", { class: "f-actor2" }, actorLink(ev.actor2_id, ev.actor2), lock("actor2")),
        h("dt", {}, "associated"), h("dd", {}, fmt([...(ev.assoc_actor_1 || []), ...(ev.assoc_actor_2 || [])])),
        h("dt", {}, "place"), h("dd", { class: "f-place" }, [ev.location, ev.admin2, ev.admin1].filter(Boolean).join(", ") || "—", lock("location")),
        h("dt", {}, "fatalities"), h("dd", { class: "f-fatalities" }, String(ev.fatalities ?? 0), lock("fatalities")),
        h("dt", {}, "claim"), h("dd", {}, ev.hedged ? `hedged${ev.claimant ? " — claimed by " + ev.claimant : ""}${ev.hedge_cue ? ` (“${ev.hedge_cue}”)` : ""}` : "reported as fact"),
        h("dt", {}, "reports"), h("dd", { class: "f-reports" }, `${ev.n_reports ?? (ev.sources || []).length} (${fmt(ev.source)})`),
        h("dt", {}, "review"), h("dd", {}, h("span", { class: `state ${ev.review_state}`, id: "review-state" }, ev.review_state)),
        h("dt", {}, "id"), h("dd", {}, `${ev.event_id_cnty} (${ev.id})`)));

    const sources = h("ul", { class: "plain" });
    for (const src of ev.sources || []) {
      sources.append(h("li", {},
        h("button", { type: "button", class: "linkish", onclick: () => this.showDocument(src.doc_id, ev.id, docBox) }, src.outlet || src.doc_id),
        ` · ${src.published || "undated"} · “${src.evidence || ""}”`));
    }
    const docBox = h("div", { class: "doc-box" });
    // where the reports disagree: every source's value, and the one the merged event shows
    const disagree = h("ul", { class: "plain discrepancies" });
    for (const d of ev.discrepancies || []) {
      const vals = (d.values || []).map((v) => `${json(v.value)} (${v.source || v.event_id})`).join(" · ");
      disagree.append(h("li", {}, h("strong", {}, d.field), `: ${vals}`, d.field === "hedged" ? "" : ` — shown: ${json(d.kept)}`));
    }
    // the reports (mentions) merged into this event; a reviewer's action above applies to all of them
    const mentions = h("ul", { class: "plain mentions" });
    for (const m of ev.mentions || []) {
      const outlets = [...new Set((m.sources || []).map((x) => x.outlet || x.doc_id))].join("; ");
      mentions.append(h("li", { class: m.review_state === "rejected" ? "rejected" : null },
        `${m.event_date || "undated"} · ${m.sub_event_type} · ${m.location || "?"} · ${m.fatalities ?? 0} killed · ${outlets}`,
        m.review_state === "rejected" ? " (rejected)" : ""));
    }
    const form = this.reviewForm(ev);
    const history = this.history(ev.reviews || []);
    const extra = [];
    if ((ev.discrepancies || []).length) extra.push(h("h4", {}, "Sources disagree"), disagree);
    if ((ev.mentions || []).length > 1) extra.push(h("h4", {}, `Reports merged into this event (${ev.mentions.length})`), mentions);
    this.open(card, ...extra, h("h4", {}, "Review"), form, h("h4", {}, `Sources (${(ev.sources || []).length})`), sources, docBox,
      h("h4", {}, "History"), history);
    if (ev.sources && ev.sources.length) await this.showDocument(ev.sources[0].doc_id, ev.id, docBox);
  }

  reviewForm(ev) {
    const meta = this.app.meta;
    const typeSel = h("select", { name: "event_type" });
    for (const t of Object.keys(meta.event_types)) typeSel.append(h("option", { value: t, selected: t === ev.event_type }, t));
    const subSel = h("select", { name: "sub_event_type" });
    const fillSubs = () => {
      clear(subSel);
      for (const t of meta.event_types[typeSel.value] || []) subSel.append(h("option", { value: t, selected: t === ev.sub_event_type }, t));
    };
    typeSel.addEventListener("change", fillSubs);
    fillSubs();
    const dl = h("datalist", { id: "actor-names" });
    this.app.actors().then((list) => dl.append(...list.map((a) => h("option", { value: a.name })))).catch(() => {});
    const input = (name, value, attrs = {}) => h("input", { name, value: value ?? "", ...attrs });
    const lim = meta.limits || {}; // the server's bounds (frontlines.store.limits); it checks them again
    const nameMax = lim.max_name || 300;
    const st = this.status();
    const form = h("form", { class: "review", id: "review-form" },
      h("label", {}, "type"), typeSel,
      h("label", {}, "sub-event"), subSel,
      h("label", {}, "date"), input("event_date", ev.event_date, { type: "date", min: lim.min_event_date, max: lim.max_event_date }),
      h("label", {}, "actor 1"), input("actor1", ev.actor1, { list: "actor-names", maxlength: nameMax }),
      h("label", {}, "actor 2"), input("actor2", ev.actor2, { list: "actor-names", maxlength: nameMax }),
      h("label", {}, "place"), input("location", ev.location, { maxlength: nameMax }),
      h("label", {}, "fatalities"), input("fatalities", ev.fatalities ?? 0, { type: "number", min: 0, max: lim.max_count || 100000, step: 1 }),
      h("label", {}, "note"), h("textarea", { name: "note", rows: 2, maxlength: lim.max_note || 2000, placeholder: "why (kept in the audit log with confirm/reject)" }),
      dl,
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary", id: "save-edit" }, "Save edits"),
        h("button", { type: "button", id: "confirm-event", onclick: () => this.act(ev.id, "confirm", st, form) }, "Confirm"),
        h("button", { type: "button", class: "danger", id: "reject-event", onclick: () => this.act(ev.id, "reject", st, form) }, "Reject")),
      h("div", { class: "actions" }, st));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const changes = {};
      const cur = { ...ev, fatalities: String(ev.fatalities ?? 0) };
      for (const k of ["event_type", "sub_event_type", "event_date", "actor1", "actor2", "location", "fatalities"]) {
        const v = String(f.get(k) ?? "");
        if (v !== String(cur[k] ?? "")) changes[k] = k === "fatalities" ? Number(v) : v === "" ? null : v;
      }
      if (!Object.keys(changes).length) {
        st.className = "status";
        st.textContent = "nothing changed";
        return;
      }
      try {
        await api.send("PATCH", `/api/events/${encodeURIComponent(ev.id)}`, changes);
        await this.app.reload();
        await this.showEvent(ev.id);
        const st2 = this.body.querySelector("#review-form .status");
        if (st2) { st2.className = "status ok"; st2.textContent = `saved: ${Object.keys(changes).join(", ")}`; }
      } catch (err) {
        this.fail(st, err);
      }
    });
    return form;
  }

  async act(id, what, st, form) {
    const note = String(new FormData(form).get("note") || "").trim();
    try {
      await api.send("POST", `/api/events/${encodeURIComponent(id)}/${what}`, note ? { note } : {});
      await this.app.reload();
      await this.showEvent(id);
    } catch (err) {
      this.fail(st, err);
    }
  }

  history(rows) {
    if (!rows.length) return h("p", { class: "empty" }, "no changes yet");
    return h("table", { class: "history" },
      h("thead", {}, h("tr", {}, h("th", {}, "when"), h("th", {}, "who"), h("th", {}, "field"), h("th", {}, "before"), h("th", {}, "after"))),
      h("tbody", {}, rows.map((r) => h("tr", {},
        h("td", {}, (r.at || "").replace("T", " ").slice(0, 19)), h("td", {}, fmt(r.who)), h("td", {}, fmt(r.field)),
        h("td", {}, json(r.before)), h("td", {}, json(r.after))))));
  }

  // ---------------------------------------------------------------- document view

  async showDocument(docId, eventId, box) {
    let doc;
    try {
      doc = await api.get(`/api/documents/${encodeURIComponent(docId)}`);
    } catch (err) {
      const st = this.status();
      this.fail(st, err);
      clear(box).append(st);
      return;
    }
    const text = doc.text || "";
    const cuts = new Set([0, text.length]);
    for (const sp of doc.removed) { cuts.add(Math.max(0, sp.start)); cuts.add(Math.min(text.length, sp.end)); }
    for (const ev of doc.evidence) { cuts.add(Math.max(0, ev.start)); cuts.add(Math.min(text.length, ev.end)); }
    const points = [...cuts].filter((c) => c >= 0 && c <= text.length).sort((a, b) => a - b);
    const body = h("div", { class: "doc-text", id: "doc-text", dataset: { docId: doc.id } });
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      if (a === b) continue;
      const piece = text.slice(a, b);
      const removed = doc.removed.filter((sp) => sp.start <= a && sp.end >= b);
      const evid = doc.evidence.filter((e) => e.start <= a && e.end >= b && e.end > e.start);
      let node = document.createTextNode(piece);
      if (removed.length) {
        node = h("del", { class: "removed", title: removed.map((r) => `${r.kind}${r.reason ? ": " + r.reason : ""}`).join("; ") }, node);
      }
      if (evid.length) {
        const current = evid.some((e) => e.id === eventId);
        node = h("mark", {
          class: "evidence" + (current ? " current" : ""), title: evid.map((e) => e.label).join("\n"),
          dataset: { ids: evid.map((e) => e.id).join(" ") },
        }, node);
      }
      body.append(node);
    }
    const url = safeUrl(doc.url);
    clear(box).append(
      h("h4", {}, "Document"),
      h("div", { class: "doc-head" },
        h("strong", { id: "doc-title" }, doc.title || doc.id),
        h("div", { class: "doc-legend" },
          `${doc.outlet || "unknown outlet"} · ${doc.published || "undated"}`,
          url ? h("a", { href: url, rel: "noopener noreferrer nofollow", target: "_blank" }, "original") : null),
        h("div", { class: "doc-legend" },
          h("span", {}, h("mark", { class: "evidence current" }, "this event's evidence")),
          h("span", {}, h("mark", { class: "evidence" }, "other evidence")),
          h("span", {}, h("del", { class: "removed" }, "removed as boilerplate")))),
      body);
    const cur = body.querySelector("mark.current");
    if (cur) cur.scrollIntoView({ block: "center" });
  }

  // ---------------------------------------------------------------- actor review

  async showActor(actorId) {
    let a;
    try {
      a = await api.get(`/api/actors/${encodeURIComponent(actorId)}`);
    } catch (err) {
      const st = this.status();
      this.fail(st, err);
      this.open(st);
      return;
    }
    const st = this.status();
    const run = async (fn) => {
      try {
        const res = await fn();
        await this.app.reload();
        await this.showActor(res && res.new ? res.new.id : actorId);
      } catch (err) {
        this.fail(st, err);
      }
    };
    const aliasForm = h("form", { class: "review", id: "alias-form" },
      h("label", {}, "new alias"), h("input", { name: "alias", required: true, maxlength: (this.app.meta.limits || {}).max_name || 300 }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Add alias")));
    aliasForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const alias = new FormData(aliasForm).get("alias");
      run(() => api.send("POST", `/api/actors/${encodeURIComponent(a.id)}/aliases`, { alias }));
    });
    const all = await this.app.actors().catch(() => []);
    const others = h("select", { name: "other_id" }, all.filter((x) => x.id !== a.id)
      .map((x) => h("option", { value: x.id }, `${x.name} (${x.n_events} events)`)));
    const mergeForm = h("form", { class: "review", id: "merge-form" },
      h("label", {}, "merge into this"), others,
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Merge")));
    mergeForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const other = others.value;
      if (other && confirm(`Fold ${other} into ${a.name}? Its events, relations and aliases move here.`)) {
        run(() => api.send("POST", `/api/actors/${encodeURIComponent(a.id)}/merge`, { other_id: other }));
      }
    });
    const checks = a.aliases.map((al) => h("label", { class: "chip" }, h("input", { type: "checkbox", value: al }), al));
    const splitForm = h("form", { class: "review", id: "split-form" },
      h("label", {}, "aliases to move"), h("div", { class: "chips" }, checks),
      h("label", {}, "new actor name"), h("input", { name: "name", maxlength: (this.app.meta.limits || {}).max_name || 300 }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Split off")));
    splitForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const aliases = checks.map((c) => c.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
      const name = new FormData(splitForm).get("name");
      run(() => api.send("POST", `/api/actors/${encodeURIComponent(a.id)}/split`, { aliases, name }));
    });
    this.open(
      h("h3", {}, a.name),
      h("dl", { class: "facts" },
        h("dt", {}, "id"), h("dd", {}, a.id),
        h("dt", {}, "ACLED name"), h("dd", {}, fmt(a.acled_name)),
        h("dt", {}, "inter"), h("dd", {}, fmt(a.inter)),
        h("dt", {}, "status"), h("dd", {}, a.provisional ? "provisional (not in the pack) — needs review" : "from the pack"),
        h("dt", {}, "events"), h("dd", {}, String(a.n_events)),
        h("dt", {}, "merged from"), h("dd", {}, fmt(a.merged_from))),
      h("h4", {}, "Aliases"), h("div", { class: "chips" }, a.aliases.map((al) => h("span", { class: "chip" }, al))),
      h("p", {}, h("button", { type: "button", class: "linkish", onclick: () => { this.app.filterActor(a.name); } }, "show this actor's events")),
      h("h4", {}, "Review"), aliasForm, mergeForm, splitForm, st,
      h("h4", {}, "History"), this.history(a.reviews || []));
  }
}
