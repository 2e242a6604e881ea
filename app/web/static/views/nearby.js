// Items near a point (GET /v1/nearby). The point is picked on a plain SVG scatter of
// latitude/longitude (a graticule and a few reference places, no map tiles): click to pick,
// choose a span to zoom around the point.
import { el, renderCards } from "../cards.js";

const SVG = "http://www.w3.org/2000/svg";
// Reference dots: the cities the demo data is scattered around.
const PLACES = [["Berlin", 52.52, 13.405], ["Lisbon", 38.7223, -9.1393], ["New York", 40.7128, -74.006],
                ["São Paulo", -23.5505, -46.6333], ["Tokyo", 35.6762, 139.6503]];
const W = 560, H = 280;

let ctx, svg, list, status, latInput, lonInput, radiusInput, spanSelect;
let point = { lat: 52.52, lon: 13.405 };

function frame() {
  const span = Number(spanSelect.value);  // degrees of longitude shown
  if (span >= 360) return { lon0: -180, lat0: 90, dlon: 360, dlat: 180 };
  const dlat = span / 2;
  return { lon0: point.lon - span / 2, lat0: Math.min(90, point.lat + dlat / 2), dlon: span, dlat };
}

function project(lat, lon, f) {
  return [((lon - f.lon0) / f.dlon) * W, ((f.lat0 - lat) / f.dlat) * H];
}

function node(tag, attrs, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text) n.textContent = text;
  return n;
}

function draw() {
  const f = frame();
  svg.replaceChildren(node("rect", { x: 0, y: 0, width: W, height: H, class: "sea" }));
  const step = f.dlon >= 180 ? 30 : f.dlon >= 20 ? 5 : 0.5;
  for (let lon = Math.ceil(f.lon0 / step) * step; lon <= f.lon0 + f.dlon; lon += step) {
    const [x] = project(0, lon, f);
    svg.append(node("line", { x1: x, y1: 0, x2: x, y2: H, class: "grid" }));
  }
  for (let lat = Math.ceil((f.lat0 - f.dlat) / step) * step; lat <= f.lat0; lat += step) {
    const [, y] = project(lat, 0, f);
    svg.append(node("line", { x1: 0, y1: y, x2: W, y2: y, class: "grid" }));
  }
  for (const [name, lat, lon] of PLACES) {
    const [x, y] = project(lat, lon, f);
    const g = node("g", { class: "place", "data-place": name });
    g.append(node("circle", { cx: x, cy: y, r: 4 }), node("text", { x: x + 6, y: y + 4 }, name));
    g.addEventListener("click", (event) => { event.stopPropagation(); pick(lat, lon); });
    svg.append(g);
  }
  const [px, py] = project(point.lat, point.lon, f);
  const rx = (Number(radiusInput.value) / (111.32 * Math.max(0.05, Math.cos((point.lat * Math.PI) / 180))) / f.dlon) * W;
  const ry = (Number(radiusInput.value) / 110.57 / f.dlat) * H;
  svg.append(node("ellipse", { cx: px, cy: py, rx: Math.max(rx, 2), ry: Math.max(ry, 2), class: "radius" }),
    node("circle", { cx: px, cy: py, r: 5, class: "picked" }));
}

function pick(lat, lon) {
  point = { lat: Math.max(-90, Math.min(90, lat)), lon: ((lon + 540) % 360) - 180 };
  latInput.value = point.lat.toFixed(4);
  lonInput.value = point.lon.toFixed(4);
  draw();
  load();
}

async function load() {
  status.textContent = "loading…";
  try {
    const result = await ctx.api.get("/v1/nearby", { lat: point.lat, lon: point.lon, radius_km: radiusInput.value,
                                                     n: 20, user_id: ctx.user() || undefined });
    status.textContent = `${result.items.length} items within ${radiusInput.value} km of ${point.lat.toFixed(3)}, ${point.lon.toFixed(3)}`;
    renderCards(list, result.items, { actions: ctx.cardActions(), empty: "Nothing within the radius." });
  } catch (error) { status.textContent = ""; ctx.fail(error); }
}

export default {
  id: "nearby",
  title: "Nearby",
  mount(panel, context) {
    ctx = context;
    svg = node("svg", { viewBox: `0 0 ${W} ${H}`, class: "latlon", id: "latlon", role: "img",
                        "aria-label": "latitude/longitude picker" });
    svg.addEventListener("click", (event) => {
      const box = svg.getBoundingClientRect();
      const f = frame();
      const x = ((event.clientX - box.left) / box.width) * W;
      const y = ((event.clientY - box.top) / box.height) * H;
      pick(f.lat0 - (y / H) * f.dlat, f.lon0 + (x / W) * f.dlon);
    });
    latInput = el("input", { type: "number", step: "any", value: String(point.lat), id: "nearby-lat" });
    lonInput = el("input", { type: "number", step: "any", value: String(point.lon), id: "nearby-lon" });
    radiusInput = el("input", { type: "number", min: "0.1", max: "500", step: "any", value: "10", id: "nearby-radius" });
    spanSelect = el("select", { onchange: draw }, [["360", "world"], ["40", "region (40°)"], ["2", "city (2°)"]].map(([v, t]) =>
      el("option", { value: v }, t)));
    panel.append(
      el("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); pick(Number(latInput.value), Number(lonInput.value)); } },
        el("label", {}, "lat ", latInput), el("label", {}, "lon ", lonInput), el("label", {}, "radius km ", radiusInput),
        el("label", {}, "view ", spanSelect), el("button", { type: "submit" }, "Show")),
      svg, status = el("p", { class: "status" }), list = el("div"));
    draw();
  },
  activate: load,
  refresh: load,
};
