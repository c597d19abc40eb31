// The events table: one page at a time from the server (/api/events with sort, order, limit, offset),
// sorted by any column on the server; rows open the event card.
import * as api from "./api.js";
import { clear, h, typeColor } from "./dom.js";

export const PAGE = 100;
const COLUMNS = [
  ["event_date", "Date"],
  ["event_type", "Type"],
  ["sub_event_type", "Sub-event"],
  ["actor1", "Actor 1"],
  ["actor2", "Actor 2"],
  ["location", "Location"],
  ["admin1", "Admin1"],
  ["fatalities", "Fat."],
  ["hedged", "Hedged"],
  ["review_state", "Review"],
  ["n_reports", "Reports"],
  ["source", "Source"],
];

// only what the rows show (the server answers every key otherwise: ten times the bytes)
const FIELDS = [...COLUMNS.map(([k]) => k), "claimant", "discrepancies"].join(",");

export class EventTable {
  constructor(table, { countEl, prev, next, onSelect, onPage, track }) {
    this.track = track;
    this.thead = table.querySelector("thead");
    this.tbody = table.querySelector("tbody");
    this.countEl = countEl;
    this.onSelect = onSelect;
    this.onPage = onPage; // (sort, order, offset) -> the app keeps them in the URL
    this.sort = { key: "event_date", order: "asc" };
    this.offset = 0;
    this.total = 0;
    this.params = {};
    this.selected = null;
    this.fetch = api.latest();
    prev.addEventListener("click", () => this.page(-1));
    next.addEventListener("click", () => this.page(1));
    this.prev = prev;
    this.next = next;
    this.renderHead();
  }

  restore({ sort, order, offset }) {
    if (sort && COLUMNS.some(([k]) => k === sort)) this.sort = { key: sort, order: order === "desc" ? "desc" : "asc" };
    this.offset = Math.max(0, Number(offset) || 0);
    this.renderHead();
  }

  renderHead() {
    clear(this.thead);
    const tr = h("tr");
    for (const [key, label] of COLUMNS) {
      tr.append(h("th", {
        scope: "col", dataset: { key },
        "aria-sort": this.sort.key === key ? (this.sort.order === "asc" ? "ascending" : "descending") : null,
        onclick: () => {
          this.sort = { key, order: this.sort.key === key && this.sort.order === "asc" ? "desc" : "asc" };
          this.offset = 0;
          this.renderHead();
          this.track(this.load());
        },
      }, label));
    }
    this.thead.append(tr);
  }

  page(step) {
    const off = this.offset + step * PAGE;
    if (off < 0 || off >= this.total) return;
    this.offset = off;
    this.track(this.load());
  }

  /** New filters: back to the first page (unless `keepPage`, when the URL restored one). */
  setParams(params, keepPage = false) {
    this.params = params;
    if (!keepPage) this.offset = 0;
    return this.load();
  }

  select(id) {
    this.selected = id;
    for (const tr of this.tbody.rows) tr.classList.toggle("selected", tr.dataset.eventId === id);
  }

  async load() {
    this.onPage(this.sort.key, this.sort.order, this.offset);
    const r = await this.fetch("/api/events", { ...this.params, sort: this.sort.key, order: this.sort.order, limit: PAGE, offset: this.offset, fields: FIELDS });
    if (!r) return null;
    this.total = r.total;
    this.render(r.events);
    return r;
  }

  render(rows) {
    clear(this.tbody);
    for (const e of rows) {
      const dot = h("span", { class: "dot" });
      dot.style.background = typeColor(e.event_type);
      const tr = h("tr", {
        dataset: { eventId: e.id }, class: [e.review_state === "rejected" ? "rejected" : "", e.id === this.selected ? "selected" : ""].join(" ").trim() || null,
        onclick: () => this.onSelect(e.id),
      },
      h("td", {}, e.event_date || "?"),
      h("td", {}, dot, e.event_type),
      h("td", {}, e.sub_event_type),
      h("td", { title: e.actor1 || "" }, e.actor1 || ""),
      h("td", { title: e.actor2 || "" }, e.actor2 || ""),
      h("td", {}, e.location || ""),
      h("td", {}, e.admin1 || ""),
      h("td", { class: "num" }, String(e.fatalities ?? 0)),
      h("td", {}, e.hedged ? (e.claimant ? `claim (${e.claimant})` : "claim") : ""),
      h("td", {}, h("span", { class: `state ${e.review_state}` }, e.review_state)),
      h("td", { class: "num", title: (e.discrepancies || []).length ? "sources disagree on " + e.discrepancies.map((d) => d.field).join(", ") : "" },
        String(e.n_reports ?? 1) + ((e.discrepancies || []).length ? " ≠" : "")),
      h("td", { title: e.source || "" }, e.source || ""));
      this.tbody.append(tr);
    }
    const from = this.total ? this.offset + 1 : 0;
    const to = this.offset + rows.length;
    this.countEl.textContent = `${from.toLocaleString("en")}–${to.toLocaleString("en")} of ${this.total.toLocaleString("en")}`;
    this.countEl.dataset.total = String(this.total);
    this.prev.disabled = this.offset <= 0;
    this.next.disabled = to >= this.total;
  }
}
