// The statistics screen's charts, drawn by Chart.js (vendored in panel/vendor/, loaded on first use like
// Leaflet; decision 61). A chart is a canvas, so what the canvas shows is also said in words: each canvas is
// an image (role=img) named by its title in the current language and described by its figure caption, its
// legend is a list of text in the page, and every chart comes with its data as a table. Series are told
// apart by a fill pattern (solid, hatched, dotted, …) as well as by colour, and values are written on the
// chart, so nothing depends on colour alone.
import { VENDOR } from "./vendor.js";
import { h } from "./dom.js";

// Colours and patterns go together by index: the n-th series is the n-th colour with the n-th pattern.
// Ten: as many as the outcomes (the calls-per-hour chart), so no two series ever share a fill.
const COLOURS = ["#2563eb", "#f59e0b", "#6b7280", "#10b981", "#a855f7", "#ef4444", "#0ea5e9", "#84cc16", "#e5e7eb", "#f472b6"];
const PATTERNS = ["solid", "hatch", "dots", "cross", "vertical", "dense", "ring", "wave", "blank", "horizontal"];
const INK = "#111827";
const LIMIT = "#b91c1c";
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';

let loading = null;

/** Chart.js, loaded once from panel/vendor/ (a script of our own origin: CSP script-src 'self'). */
export function loadCharts() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = VENDOR.chartJs;
      script.onload = () => {
        const Chart = window.Chart;
        Chart.defaults.font.family = FONT;
        Chart.defaults.color = INK;
        resolve(Chart);
      };
      script.onerror = () => {
        loading = null;
        reject(new Error(`cannot load ${VENDOR.chartJs}`));
      };
      document.head.append(script);
    });
  }
  return loading;
}

// The ink of each pattern on an 8 × 8 tile (diagonals continue across the tile's corners).
const STROKES = {
  hatch: (c) => diagonal(c, 1),
  dots: () => {},
  cross: (c) => {
    diagonal(c, 1);
    diagonal(c, -1);
  },
  vertical: (c) => line(c, 4, 0, 4, 8),
  horizontal: (c) => {
    line(c, 0, 2, 8, 2);
    line(c, 0, 6, 8, 6);
  },
  dense: (c) => {
    line(c, 0, 4, 8, 4);
    line(c, 4, 0, 4, 8);
  },
  ring: (c) => c.arc(4, 4, 2.5, 0, 2 * Math.PI),
  wave: (c) => {
    c.moveTo(0, 4);
    c.quadraticCurveTo(2, 1, 4, 4);
    c.quadraticCurveTo(6, 7, 8, 4);
  },
};

function line(c, x1, y1, x2, y2) {
  c.moveTo(x1, y1);
  c.lineTo(x2, y2);
}

function diagonal(c, direction) {
  if (direction > 0) {
    line(c, 0, 8, 8, 0);
    line(c, -1, 1, 1, -1);
    line(c, 7, 9, 9, 7);
  } else {
    line(c, 0, 0, 8, 8);
    line(c, -1, 7, 1, 9);
    line(c, 7, -1, 9, 1);
  }
}

/** A fill for series `index`: its colour, overlaid with its pattern in ink (a CanvasPattern, or the plain colour). */
function fill(index) {
  const colour = COLOURS[index % COLOURS.length];
  const name = PATTERNS[index % PATTERNS.length];
  if (name === "solid" || name === "blank") return colour;
  const tile = document.createElement("canvas");
  tile.width = 8;
  tile.height = 8;
  const c = tile.getContext("2d");
  c.fillStyle = colour;
  c.fillRect(0, 0, 8, 8);
  c.strokeStyle = INK;
  c.fillStyle = INK;
  c.lineWidth = 1;
  c.beginPath();
  STROKES[name](c);
  c.stroke();
  if (name === "dots") c.fillRect(3, 3, 2, 2);
  return c.createPattern(tile, "repeat");
}

/** A legend of text, each entry with a swatch in its series' colour and pattern. */
function legend(entries) {
  return h(
    "ul",
    { class: "legend" },
    ...entries.map(({ label, index }) => {
      const swatch = document.createElement("canvas");
      swatch.width = 14;
      swatch.height = 14;
      swatch.className = "swatch";
      swatch.setAttribute("aria-hidden", "true");
      const c = swatch.getContext("2d");
      c.fillStyle = fill(index);
      c.fillRect(0, 0, 14, 14);
      return h("li", {}, swatch, ` ${label}`);
    }),
  );
}

/** Texts written on the chart after its bars: `labels(chart)` gives [{x, y, text, align, colour}]. */
function writing(id, labels) {
  return {
    id,
    afterDatasetsDraw(chart) {
      const c = chart.ctx;
      c.save();
      c.font = `600 11px ${FONT}`;
      for (const label of labels(chart)) {
        c.fillStyle = label.colour || INK;
        c.textAlign = label.align || "center";
        c.textBaseline = label.baseline || "bottom";
        c.fillText(label.text, label.x, label.y);
      }
      c.restore();
    },
  };
}

/** The widest of `texts` as the charts write values (to leave room for them). */
function textWidth(texts) {
  const c = document.createElement("canvas").getContext("2d");
  c.font = `600 11px ${FONT}`;
  return Math.max(0, ...texts.map((text) => c.measureText(text).width));
}

const live = new Set();

/** Destroy the charts drawn so far (before drawing them again: another range, another language). */
export function destroyCharts() {
  for (const chart of live) chart.destroy();
  live.clear();
}

/** A figure: the canvas (an image named by `title`, described by the caption) in a sized box. */
function figure(Chart, config, { title, description, kind, height = 240, after = [] }) {
  const canvas = h("canvas", { role: "img", "aria-label": title, class: "chart", dataset: { chart: kind } });
  const caption = h("figcaption", { class: "muted" }, description);
  const id = `chart-${kind}-desc`;
  caption.id = id;
  canvas.setAttribute("aria-describedby", id);
  canvas.textContent = description; // fallback content, for a browser that draws no canvas
  const box = h("div", { class: "chart-box" }, canvas);
  box.style.height = `${height}px`; // Chart.js sizes the canvas to its box
  const el = h("figure", { class: "chart-figure" }, box, ...after, caption);
  const chart = new Chart(canvas, {
    ...config,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      ...config.options,
      plugins: { legend: { display: false }, ...(config.options.plugins || {}) },
    },
  });
  live.add(chart);
  return el;
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
 * Stacked bars: one bar per period, one segment per key (each its own pattern), the total above each bar.
 * @param {{label: string, values: Object<string, number>}[]} bars
 * @param {{key: string, label: string}[]} keys
 */
export function stackedBars(Chart, bars, keys, { title, description }) {
  const datasets = keys.map((k, index) => ({
    label: k.label,
    data: bars.map((bar) => bar.values[k.key] || 0),
    backgroundColor: fill(index),
    borderColor: INK,
    borderWidth: 0.5,
    maxBarThickness: 56, // one period alone is a bar, not a wall
  }));
  const totals = bars.map((bar) => keys.reduce((sum, k) => sum + (bar.values[k.key] || 0), 0));
  const top = Math.max(1, ...totals);
  return figure(
    Chart,
    {
      type: "bar",
      data: { labels: bars.map((bar) => bar.label), datasets },
      options: {
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, suggestedMax: top * 1.15, ticks: { precision: 0 } },
        },
      },
      plugins: [
        writing("totals", (chart) => {
          const x = chart.scales.x;
          const y = chart.scales.y;
          return totals.flatMap((total, i) => (total ? [{ x: x.getPixelForValue(i), y: y.getPixelForValue(total) - 2, text: String(total) }] : []));
        }),
      ],
    },
    { title, description, kind: "periods", after: [legend(keys.map((k, index) => ({ label: k.label, index })))] },
  );
}

/**
 * A histogram over the buckets' upper edges, with a marked, labelled line at `line` seconds: buckets within
 * the line solid, those beyond it hatched.
 * @param {Object<string, number>} histogram bucket edge ("15", …, "inf") -> count
 */
export function histogram(Chart, histogram, { title, description, axis, line, lineLabel, bucketLabel, withinLabel, beyondLabel }) {
  const buckets = Object.keys(histogram);
  const last = buckets.reduce((end, b, i) => (histogram[b] ? i : end), 0);
  const shown = buckets.slice(0, Math.max(last + 1, buckets.indexOf(String(line)) + 2));
  const within = (b) => b !== "inf" && Number(b) <= line;
  // Two series that never share a bucket (stacked, so each bar stands in its own slot): within and beyond.
  const datasets = [
    { label: withinLabel, data: shown.map((b) => (within(b) ? histogram[b] || 0 : null)), backgroundColor: fill(0) },
    { label: beyondLabel, data: shown.map((b) => (within(b) ? null : histogram[b] || 0)), backgroundColor: fill(1) },
  ].map((dataset) => ({ ...dataset, borderColor: INK, borderWidth: 0.5, maxBarThickness: 56 }));
  const top = Math.max(1, ...shown.map((b) => histogram[b] || 0));
  const index = shown.indexOf(String(line));
  return figure(
    Chart,
    {
      type: "bar",
      data: { labels: shown.map(bucketLabel), datasets },
      options: {
        scales: {
          x: { stacked: true, grid: { display: false }, title: { display: true, text: axis } },
          y: { stacked: true, beginAtZero: true, suggestedMax: top * 1.2, ticks: { precision: 0 } },
        },
      },
      plugins: [
        writing("counts", (chart) =>
          shown.flatMap((b, i) =>
            histogram[b] ? [{ x: chart.scales.x.getPixelForValue(i), y: chart.scales.y.getPixelForValue(histogram[b]) - 2, text: String(histogram[b]) }] : [],
          ),
        ),
        {
          // The line between the `line` bucket and the next one, dashed, with its label beside it.
          id: "limit",
          afterDatasetsDraw(chart) {
            if (index < 0) return;
            const { ctx: c, chartArea: area, scales } = chart;
            const x = (scales.x.getPixelForValue(index) + scales.x.getPixelForValue(index + 1)) / 2;
            c.save();
            c.strokeStyle = LIMIT;
            c.lineWidth = 2;
            c.setLineDash([5, 3]);
            c.beginPath();
            c.moveTo(x, area.top);
            c.lineTo(x, area.bottom);
            c.stroke();
            c.fillStyle = LIMIT;
            c.font = `700 12px ${FONT}`;
            c.textBaseline = "top";
            // Beside the line, on the side where the label fits inside the plot.
            const fits = x + 4 + c.measureText(lineLabel).width <= area.right;
            c.textAlign = fits ? "left" : "right";
            c.fillText(lineLabel, fits ? x + 4 : x - 4, area.top);
            c.restore();
          },
        },
      ],
    },
    { title, description, kind: "answers", after: [legend([{ label: withinLabel, index: 0 }, { label: beyondLabel, index: 1 }])] },
  );
}

/** Horizontal bars of two values per row (median, 90th percentile), each labelled with its value. */
export function pairedBars(Chart, rows, { title, description, axis, first, second, format }) {
  const names = [first, second];
  const texts = rows.flatMap((row) => [`${first}: ${format(row.first)}`, `${second}: ${format(row.second)}`]);
  const datasets = ["first", "second"].map((key, index) => ({
    label: names[index],
    data: rows.map((row) => row[key]),
    backgroundColor: fill(index),
    borderColor: INK,
    borderWidth: 0.5,
  }));
  return figure(
    Chart,
    {
      type: "bar",
      data: { labels: rows.map((row) => row.label), datasets },
      options: {
        indexAxis: "y",
        layout: { padding: { right: textWidth(texts) + 12 } }, // room for the values beyond the longest bar
        scales: { x: { beginAtZero: true, title: { display: true, text: axis } }, y: { grid: { display: false } } },
      },
      plugins: [
        writing("values", (chart) =>
          datasets.flatMap((dataset, d) =>
            chart.getDatasetMeta(d).data.map((bar, i) => ({
              x: (Number.isFinite(bar.x) ? bar.x : chart.chartArea.left) + 4,
              y: bar.y,
              text: texts[i * 2 + d],
              align: "left",
              baseline: "middle",
            })),
          ),
        ),
      ],
    },
    {
      title,
      description,
      kind: "dispatch",
      height: Math.max(140, 50 + rows.length * 48),
      after: [legend(names.map((label, index) => ({ label, index })))],
    },
  );
}
