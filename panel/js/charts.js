// Charts as inline SVG, drawn here: no chart library is vendored (panel/vendor/ holds Leaflet and
// Connect's streams only). Each chart is an image with a title and a description for screen readers, its
// series told apart by hatching and labels as well as colour, and comes with its data as a table.
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
// Fills that differ without colour: solid, hatched, dotted, cross-hatched, … (CSS gives each a colour too).
const PATTERNS = ["solid", "hatch", "dots", "cross", "vertical", "dense", "ring", "wave", "blank"];

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) if (child) el.append(child);
  return el;
}

function text(x, y, content, attrs = {}) {
  const el = svg("text", { x, y, ...attrs });
  el.textContent = content;
  return el;
}

let serial = 0;

function defs(prefix) {
  const pattern = (name, ...shapes) =>
    svg("pattern", { id: `${prefix}-${name}`, width: 6, height: 6, patternUnits: "userSpaceOnUse" }, ...shapes);
  return svg(
    "defs",
    {},
    pattern("hatch", svg("path", { d: "M0 6 L6 0", class: "ink" })),
    pattern("dots", svg("circle", { cx: 3, cy: 3, r: 1.2, class: "ink-fill" })),
    pattern("cross", svg("path", { d: "M0 6 L6 0 M0 0 L6 6", class: "ink" })),
    pattern("vertical", svg("path", { d: "M3 0 L3 6", class: "ink" })),
    pattern("dense", svg("path", { d: "M0 3 L6 3 M3 0 L3 6", class: "ink" })),
    pattern("ring", svg("circle", { cx: 3, cy: 3, r: 2, class: "ink" })),
    pattern("wave", svg("path", { d: "M0 3 Q1.5 0 3 3 T6 3", class: "ink" })),
  );
}

function fill(prefix, index) {
  const name = PATTERNS[index % PATTERNS.length];
  return name === "solid" || name === "blank" ? null : `url(#${prefix}-${name})`;
}

function frame(title, description, width, height) {
  serial += 1;
  const prefix = `chart${serial}`;
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": `${prefix}-title ${prefix}-desc`,
    class: "chart",
  });
  const titleEl = svg("title", { id: `${prefix}-title` });
  titleEl.textContent = title;
  const descEl = svg("desc", { id: `${prefix}-desc` });
  descEl.textContent = description;
  root.append(titleEl, descEl, defs(prefix));
  return { root, prefix };
}

/** The data of a chart as a table (a caption, header cells, rows of cells). */
export function dataTable(caption, header, rows) {
  return h(
    "table",
    { class: "data" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...header.map((cell) => h("th", { scope: "col" }, cell)))),
    h("tbody", {}, ...rows.map((cells) => h("tr", {}, ...cells.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))))),
  );
}

/**
 * Stacked bars: one bar per period, one segment per key (hatched differently), the total above each bar.
 * @param {{label: string, values: Object<string, number>}[]} bars
 * @param {{key: string, label: string}[]} keys
 */
export function stackedBars(bars, keys, { title, description }) {
  const width = Math.max(320, 40 + bars.length * 22);
  const height = 220;
  const top = Math.max(1, ...bars.map((bar) => keys.reduce((sum, k) => sum + (bar.values[k.key] || 0), 0)));
  const { root, prefix } = frame(title, description, width, height);
  const plot = 160;
  const step = (width - 40) / Math.max(1, bars.length);
  bars.forEach((bar, i) => {
    let y = 20 + plot;
    const x = 30 + i * step;
    let total = 0;
    keys.forEach((k, index) => {
      const n = bar.values[k.key] || 0;
      if (!n) return;
      const height_ = (n / top) * plot;
      y -= height_;
      total += n;
      const pattern = fill(prefix, index);
      root.append(svg("rect", { x, y, width: step * 0.8, height: height_, class: `seg seg-${index}` }));
      if (pattern) root.append(svg("rect", { x, y, width: step * 0.8, height: height_, fill: pattern }));
    });
    root.append(text(x + step * 0.4, y - 3, String(total), { class: "value", "text-anchor": "middle" }));
    if (bars.length <= 31 || i % 3 === 0) {
      root.append(text(x + step * 0.4, height - 22, bar.label, { class: "axis", "text-anchor": "middle" }));
    }
  });
  root.append(svg("line", { x1: 28, y1: 20 + plot, x2: width - 8, y2: 20 + plot, class: "baseline" }));
  const legend = h(
    "ul",
    { class: "legend" },
    ...keys.map((k, index) =>
      h("li", {}, swatch(index), ` ${k.label}`),
    ),
  );
  return h("figure", { class: "chart-figure" }, root, legend);
}

function swatch(index) {
  const { root, prefix } = frame("", "", 14, 14);
  root.setAttribute("aria-hidden", "true");
  root.removeAttribute("role");
  root.append(svg("rect", { x: 0, y: 0, width: 14, height: 14, class: `seg seg-${index}` }));
  const pattern = fill(prefix, index);
  if (pattern) root.append(svg("rect", { x: 0, y: 0, width: 14, height: 14, fill: pattern }));
  root.classList.add("swatch");
  return root;
}

/**
 * A histogram over the buckets' upper edges, with a marked line at `line` seconds.
 * @param {Object<string, number>} histogram bucket edge ("15", …, "inf") -> count
 */
export function histogram(histogram, { title, description, line, lineLabel, bucketLabel }) {
  const buckets = Object.keys(histogram);
  const last = buckets.reduce((end, b, i) => (histogram[b] ? i : end), 0);
  const shown = buckets.slice(0, Math.max(last + 1, buckets.indexOf(String(line)) + 2));
  const width = Math.max(320, 40 + shown.length * 26);
  const height = 220;
  const plot = 150;
  const top = Math.max(1, ...shown.map((b) => histogram[b] || 0));
  const step = (width - 40) / shown.length;
  const { root } = frame(title, description, width, height);
  shown.forEach((b, i) => {
    const n = histogram[b] || 0;
    const x = 30 + i * step;
    const barHeight = (n / top) * plot;
    const within = b !== "inf" && Number(b) <= line;
    root.append(svg("rect", { x, y: 20 + plot - barHeight, width: step * 0.85, height: barHeight, class: within ? "seg seg-0" : "seg seg-1" }));
    if (n) root.append(text(x + step * 0.42, 16 + plot - barHeight, String(n), { class: "value", "text-anchor": "middle" }));
    root.append(text(x + step * 0.42, height - 30, bucketLabel(b), { class: "axis", "text-anchor": "middle" }));
  });
  const index = shown.indexOf(String(line));
  if (index >= 0) {
    const x = 30 + (index + 1) * step - step * 0.07;
    root.append(svg("line", { x1: x, y1: 10, x2: x, y2: 20 + plot, class: "limit" }));
    root.append(text(x + 3, 14, lineLabel, { class: "limit-label" }));
  }
  root.append(svg("line", { x1: 28, y1: 20 + plot, x2: width - 8, y2: 20 + plot, class: "baseline" }));
  return h("figure", { class: "chart-figure" }, root);
}

/** Horizontal bars of two values per row (median, 90th percentile), each labelled with its value. */
export function pairedBars(rows, { title, description, first, second, format }) {
  const width = 480;
  const rowHeight = 34;
  const height = 20 + rows.length * rowHeight;
  const top = Math.max(1, ...rows.flatMap((row) => [row.first || 0, row.second || 0]));
  const { root, prefix } = frame(title, description, width, height);
  rows.forEach((row, i) => {
    const y = 10 + i * rowHeight;
    root.append(text(0, y + 14, row.label, { class: "axis" }));
    [
      [row.first, 0, first],
      [row.second, 1, second],
    ].forEach(([value, index, name]) => {
      const barWidth = ((value || 0) / top) * 250;
      const barY = y + index * 13;
      root.append(svg("rect", { x: 140, y: barY, width: barWidth, height: 11, class: `seg seg-${index}` }));
      const pattern = fill(prefix, index);
      if (pattern) root.append(svg("rect", { x: 140, y: barY, width: barWidth, height: 11, fill: pattern }));
      root.append(text(144 + barWidth, barY + 10, `${name}: ${format(value)}`, { class: "value" }));
    });
  });
  return h("figure", { class: "chart-figure" }, root);
}
