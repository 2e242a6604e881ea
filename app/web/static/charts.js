// Small inline-SVG charts for the dashboard: no library, no canvas, readable as markup.
import { colour } from "./cards.js";

const SVG = "http://www.w3.org/2000/svg";

function node(tag, attrs = {}, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
}

function frame(width, height, label) {
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": label });
  return svg;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((m) => m >= value);
}

// Stacked columns: one per bucket, one colour per series. rows: [{label, values: {series: n}}].
export function stackedColumns(rows, { width = 640, height = 180, label = "chart", tick = (r) => r.label } = {}) {
  const svg = frame(width, height, label);
  const left = 36, bottom = 18, top = 6;
  const plotH = height - bottom - top, plotW = width - left - 4;
  const totals = rows.map((r) => Object.values(r.values).reduce((a, b) => a + b, 0));
  const max = niceMax(Math.max(0, ...totals));
  svg.append(node("line", { x1: left, y1: top + plotH, x2: width, y2: top + plotH, class: "axis" }),
    node("line", { x1: left, y1: top, x2: left, y2: top + plotH, class: "axis" }),
    node("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, String(max)),
    node("text", { x: left - 4, y: top + plotH, "text-anchor": "end" }, "0"));
  const w = plotW / Math.max(rows.length, 1);
  rows.forEach((row, i) => {
    let y = top + plotH;
    for (const [series, value] of Object.entries(row.values).sort()) {
      const h = (value / max) * plotH;
      y -= h;
      const rect = node("rect", { x: (left + i * w + 0.5).toFixed(2), y: y.toFixed(2), width: Math.max(w - 1, 0.5).toFixed(2),
                                  height: h.toFixed(2), fill: colour(series), class: "col", "data-series": series });
      rect.append(node("title", {}, `${row.label}: ${series} ${value}`));
      svg.append(rect);
    }
    const every = Math.ceil(rows.length / 8);
    if (i % every === 0) svg.append(node("text", { x: left + i * w, y: height - 4 }, tick(row)));
  });
  return svg;
}

// A histogram of latency buckets: [{le_ms, count}], bars labelled by their upper bound.
export function histogram(buckets, { width = 460, height = 150, label = "histogram" } = {}) {
  const svg = frame(width, height, label);
  let last = buckets.length - 1;
  while (last > 0 && !buckets[last].count) last -= 1;
  const shown = buckets.slice(0, last + 1);
  const left = 30, bottom = 18, top = 6, plotH = height - bottom - top, plotW = width - left - 4;
  const max = niceMax(Math.max(0, ...shown.map((b) => b.count)));
  const w = plotW / Math.max(shown.length, 1);
  svg.append(node("line", { x1: left, y1: top + plotH, x2: width, y2: top + plotH, class: "axis" }),
    node("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, String(max)));
  shown.forEach((b, i) => {
    const h = (b.count / max) * plotH;
    const rect = node("rect", { x: left + i * w + 1, y: top + plotH - h, width: Math.max(w - 2, 1), height: h,
                                fill: "#4e79a7", class: "col" });
    rect.append(node("title", {}, `≤ ${b.le_ms ?? "∞"} ms: ${b.count}`));
    svg.append(rect, node("text", { x: left + i * w + w / 2, y: height - 4, "text-anchor": "middle" },
      b.le_ms === null ? "more" : `${b.le_ms}`));
  });
  return svg;
}

// Horizontal bars: [{label, value, text}] scaled to the largest value.
export function hbars(rows, { width = 460, label = "bars", colourOf = () => "#4e79a7" } = {}) {
  const rowH = 18, left = 130;
  const svg = frame(width, rows.length * rowH + 4, label);
  const max = Math.max(1e-9, ...rows.map((r) => r.value));
  rows.forEach((r, i) => {
    const y = i * rowH + 2;
    svg.append(node("text", { x: left - 6, y: y + 12, "text-anchor": "end" }, r.label),
      node("rect", { x: left, y, width: Math.max(((width - left - 80) * r.value) / max, 1), height: rowH - 5,
                     fill: colourOf(r), class: "col" }),
      node("text", { x: left + Math.max(((width - left - 80) * r.value) / max, 1) + 4, y: y + 12 }, r.text));
  });
  return svg;
}

// Columns over value ranges: [{lower, upper, rows}] (a score histogram), labelled by the lower bound.
export function rangeColumns(bins, { width = 460, height = 150, label = "histogram", digits = 2 } = {}) {
  const svg = frame(width, height, label);
  const left = 30, bottom = 18, top = 6, plotH = height - bottom - top, plotW = width - left - 4;
  const max = niceMax(Math.max(0, ...bins.map((b) => b.rows)));
  const w = plotW / Math.max(bins.length, 1);
  svg.append(node("line", { x1: left, y1: top + plotH, x2: width, y2: top + plotH, class: "axis" }),
    node("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, String(max)));
  const every = Math.ceil(bins.length / 6);
  bins.forEach((b, i) => {
    const h = (b.rows / max) * plotH;
    const rect = node("rect", { x: left + i * w + 1, y: top + plotH - h, width: Math.max(w - 2, 1), height: h,
                                fill: "#59a14f", class: "col" });
    rect.append(node("title", {}, `${b.lower.toFixed(digits)} – ${b.upper.toFixed(digits)}: ${b.rows}`));
    svg.append(rect);
    if (i % every === 0) svg.append(node("text", { x: left + i * w, y: height - 4 }, b.lower.toFixed(digits)));
  });
  return svg;
}
