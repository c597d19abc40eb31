// The events table: sortable by any column, filterable by free text; rows open the event card.
import { clear, h, typeColor } from "./dom.js";

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

export class EventTable {
  constructor(table, { filterInput, countEl, onSelect }) {
    this.thead = table.querySelector("thead");
    this.tbody = table.querySelector("tbody");
    this.filterInput = filterInput;
    this.countEl = countEl;
    this.onSelect = onSelect;
    this.sort = { key: "event_date", dir: 1 };
    this.events = [];
    this.selected = null;
    filterInput.addEventListener("input", () => this.render());
    this.renderHead();
  }

  renderHead() {
    clear(this.thead);
    const tr = h("tr");
    for (const [key, label] of COLUMNS) {
      tr.append(h("th", {
        scope: "col", dataset: { key },
        "aria-sort": this.sort.key === key ? (this.sort.dir > 0 ? "ascending" : "descending") : null,
        onclick: () => {
          this.sort = { key, dir: this.sort.key === key ? -this.sort.dir : 1 };
          this.renderHead();
          this.render();
        },
      }, label));
    }
    this.thead.append(tr);
  }

  setEvents(events) {
    this.events = events;
    this.render();
  }

  select(id) {
    this.selected = id;
    for (const tr of this.tbody.rows) tr.classList.toggle("selected", tr.dataset.eventId === id);
  }

  rows() {
    const q = this.filterInput.value.trim().toLowerCase();
    let rows = this.events;
    if (q) {
      rows = rows.filter((e) => COLUMNS.some(([k]) => String(e[k] ?? "").toLowerCase().includes(q))
        || (e.actor1_aliases || []).concat(e.actor2_aliases || []).some((a) => a.toLowerCase().includes(q)));
    }
    const { key, dir } = this.sort;
    const val = (e) => e[key];
    return [...rows].sort((a, b) => {
      const x = val(a), y = val(b);
      if (x === y) return String(a.id).localeCompare(String(b.id));
      if (x === null || x === undefined || x === "") return 1;
      if (y === null || y === undefined || y === "") return -1;
      if (typeof x === "number" && typeof y === "number") return (x - y) * dir;
      return String(x).localeCompare(String(y)) * dir;
    });
  }

  render() {
    const rows = this.rows();
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
    this.countEl.textContent = `${rows.length} of ${this.events.length} in view`;
  }
}
