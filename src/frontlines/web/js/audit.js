// The audit log page: every change (who, when, action, event, field, before, after, note) from
// /api/reviews, newest first, filtered by reviewer, action and event id, paged on the server.
import * as api from "./api.js";
import { clear, h } from "./dom.js";

const PAGE = 100;
const json = (v) => (v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));

export class AuditView {
  constructor({ form, table, count, prev, next, onEvent, track }) {
    this.form = form;
    this.thead = table.querySelector("thead");
    this.tbody = table.querySelector("tbody");
    this.count = count;
    this.onEvent = onEvent;
    this.offset = 0;
    this.total = 0;
    this.fetch = api.latest();
    let timer = null;
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { this.offset = 0; track(this.load()); }, 250); });
    form.addEventListener("submit", (e) => e.preventDefault());
    prev.addEventListener("click", () => { if (this.offset > 0) { this.offset -= PAGE; track(this.load()); } });
    next.addEventListener("click", () => { if (this.offset + PAGE < this.total) { this.offset += PAGE; track(this.load()); } });
    this.thead.append(h("tr", {}, ["when", "who", "action", "event", "field", "before", "after", "note"].map((c) => h("th", { scope: "col" }, c))));
  }

  async load() {
    const f = Object.fromEntries([...new FormData(this.form).entries()].filter(([, v]) => v !== ""));
    const r = await this.fetch("/api/reviews", { ...f, limit: PAGE, offset: this.offset });
    if (!r) return null;
    this.total = r.total;
    clear(this.tbody);
    for (const it of r.items) {
      this.tbody.append(h("tr", { dataset: { action: it.action || "" } },
        h("td", {}, String(it.when || "").replace("T", " ")),
        h("td", {}, it.who || ""),
        h("td", {}, it.action || ""),
        h("td", {}, it.event_id ? h("button", { type: "button", class: "linkish", onclick: () => this.onEvent(it.event_id) }, it.event_id) : "—"),
        h("td", {}, it.field || ""),
        h("td", { title: json(it.before) }, json(it.before)),
        h("td", { title: json(it.after) }, json(it.after)),
        h("td", { title: it.note || "" }, it.note || "")));
    }
    const to = this.offset + r.items.length;
    this.count.textContent = `${r.total ? this.offset + 1 : 0}–${to} of ${r.total}`;
    return r;
  }
}
