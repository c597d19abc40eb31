// DOM helpers. Data only ever reaches the page as text nodes or attribute values set here:
// nothing in the workbench assigns HTML strings to elements or inserts markup built from data.
const SVGNS = "http://www.w3.org/2000/svg";

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = String(v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An HTML element: h("div", {class: "x", onclick: f}, "text", child...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element, same calling convention as h(). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Only http(s) links leave the page; anything else (javascript:, data:) is dropped. */
export function safeUrl(url) {
  if (!url || typeof url !== "string") return null;
  try {
    const u = new URL(url); // absolute only: relative strings are not links to an article
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

export const TYPE_COLORS = {
  "Battles": "#d62728",
  "Explosions/Remote violence": "#ff7f0e",
  "Violence against civilians": "#9467bd",
  "Protests": "#2ca02c",
  "Riots": "#8c564b",
  "Strategic developments": "#1f77b4",
};
export const typeColor = (t) => TYPE_COLORS[t] || "#7f7f7f";

export const RELATION_COLORS = {
  member_of: "#1f77b4", allied_with: "#2ca02c", clashed_with: "#d62728", split_from: "#ff7f0e",
  defected_from: "#e377c2", pledged_allegiance_to: "#17becf", leader_of: "#bcbd22", backed_by: "#9467bd",
  front_for: "#8c564b", co_occurs: "#b9bec6", co_event: "#b9bec6",
};
