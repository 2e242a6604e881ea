// The local marketplace, as a host app would build it on the public API: the seeker's place
// and preferences (read from GET /v1/users/{id}/export, which needs the write scope a host's
// back end has; the place set with PUT /v1/users, max distance, pay range and personalisation with
// PATCH /v1/users/{id}/preferences), their
// feed (GET /v1/users/{id}/feed?strategy=marketplace with the exclude_seen / exclude_applied
// switches) drawn as a plain SVG plot of the listings around them (kilometres east and north
// of the seeker, no map tiles) and as cards with the distance, and apply / save / dismiss
// buttons that record the event (POST /v1/events) and ask again.
import { el, renderCards } from "../cards.js";

const SVG = "http://www.w3.org/2000/svg";
const CITIES = [["Berlin", 52.52, 13.405], ["Lisbon", 38.7223, -9.1393], ["New York", 40.7128, -74.006],
                ["São Paulo", -23.5505, -46.6333], ["Tokyo", 35.6762, 139.6503]];
const W = 560, H = 320;

let ctx, svg, list, status, city, maxKm, payMin, payMax, personal, seen, applied, shownFor = null, stored = null;

function node(tag, attrs, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
}

function point() {
  const [, lat, lon] = CITIES.find((c) => c[0] === city.value) || CITIES[0];
  return { lat, lon };
}

// The seeker as stored: the form shows their preferences, the plot is centred on their place.
async function readSeeker(user) {
  let user_ = null;
  try { user_ = (await ctx.api.get(`/v1/users/${encodeURIComponent(user)}/export`)).user; } catch (error) {
    if (error.status !== 404) throw error;  // a new seeker: nothing stored yet
  }
  stored = user_?.location || null;
  const prefs = user_?.preferences || {};
  const value = (x) => (x === null || x === undefined ? "" : String(x));
  maxKm.value = value(prefs.max_distance_km);
  payMin.value = value(prefs.price_min);
  payMax.value = value(prefs.price_max);
  personal.checked = prefs.personalization !== false;
  if (stored) {
    const nearest = CITIES.reduce((best, c) => (Math.hypot(c[1] - stored.lat, c[2] - stored.lon)
      < Math.hypot(best[1] - stored.lat, best[2] - stored.lon) ? c : best));
    city.value = nearest[0];
  }
  shownFor = user;
}

function number(input) {
  return input.value.trim() === "" ? null : Number(input.value);
}

async function savePreferences() {
  const user = ctx.user();
  if (!user) { ctx.toast("Pick a user first.", "error"); return; }
  try {
    stored = point();
    // The place is the user's; what they want is their preferences (an empty box clears one).
    await ctx.api.put("/v1/users", [{ id: user, location: stored }]);
    await ctx.api.patch(`/v1/users/${encodeURIComponent(user)}/preferences`, {
      max_distance_km: number(maxKm), price_min: number(payMin), price_max: number(payMax),
      personalization: personal.checked });
    ctx.toast(`preferences saved for ${user}`);
    await load();
  } catch (error) { ctx.fail(error); }
}

// Kilometres east (x) and north (y) of the seeker: fine at a city's scale.
function offset(here, there) {
  return [(there.lon - here.lon) * 111.32 * Math.cos((here.lat * Math.PI) / 180), (there.lat - here.lat) * 110.57];
}

// The plot spans the seeker's limit, or the local listings (within 100 km); a listing farther
// than that (another city) is pinned to the edge in its direction, drawn hollow.
function draw(here, rows, limit) {
  const far = Math.max(limit || 0, ...rows.map((r) => r.km).filter((km) => km <= 100), 2);
  const scale = (Math.min(W, H) / 2 - 18) / far;  // px per km
  const cx = W / 2, cy = H / 2;
  svg.replaceChildren(node("rect", { x: 0, y: 0, width: W, height: H, class: "sea" }));
  for (const ring of [far / 4, far / 2, (3 * far) / 4, far]) {
    svg.append(node("circle", { cx, cy, r: ring * scale, class: "ring" }),
      node("text", { x: cx + 3, y: cy - ring * scale + 11, class: "ring-label" }, `${ring.toFixed(ring < 10 ? 1 : 0)} km`));
  }
  if (limit) svg.append(node("circle", { cx, cy, r: limit * scale, class: "radius", "data-testid": "max-distance" }));
  rows.forEach((r, n) => {
    let [x, y] = offset(here, r.location);
    const beyond = Math.hypot(x, y) > far;
    if (beyond) [x, y] = [(x / Math.hypot(x, y)) * far, (y / Math.hypot(x, y)) * far];
    const g = node("g", { class: beyond ? "listing beyond" : "listing", "data-item-id": r.item_id });
    g.append(node("circle", { cx: cx + x * scale, cy: cy - y * scale, r: 7, class: "listing" }),
      node("text", { x: cx + x * scale, y: cy - y * scale + 3, "text-anchor": "middle", class: "rank" }, String(n + 1)));
    g.append(node("title", {}, `${n + 1}. ${r.title || r.item_id}: ${r.km.toFixed(1)} km` +
      (r.price !== null ? `, ${r.price} ${r.currency || ""}` : "")));
    svg.append(g);
  });
  svg.append(node("circle", { cx, cy, r: 6, class: "picked" }), node("text", { x: cx + 8, y: cy + 14 }, "you"));
}

async function load() {
  const user = ctx.user();
  if (!user) { status.textContent = "Type a seeker id above (marketplace world: person1 …), or a new one."; return; }
  status.textContent = "loading…";
  try {
    if (shownFor !== user) await readSeeker(user);
    const params = { strategy: "marketplace", n: 20, exclude_seen: String(seen.checked) };
    if (!seen.checked) params.exclude_applied = String(applied.checked);
    const feed = await ctx.api.get(`/v1/users/${encodeURIComponent(user)}/feed`, params);
    const ids = feed.items.map((i) => i.item_id);
    const found = ids.length ? (await ctx.api.post("/v1/items/lookup", { item_ids: ids })).items : [];
    const byId = Object.fromEntries(found.map((s) => [s.item_id, s]));
    const here = stored || point();
    const located = feed.items.filter((i) => byId[i.item_id]?.location).map((i) => ({
      item_id: i.item_id, location: byId[i.item_id].location, title: byId[i.item_id].title,
      price: byId[i.item_id].price, currency: byId[i.item_id].attributes?.currency,
      km: i.reasons.distance_km ?? 0 }));
    draw(here, located, number(maxKm));
    const remote = feed.items.length - located.length;
    status.textContent = `${feed.items.length} listings for ${user} ` +
      (stored ? `around ${city.value}` : `(no place stored: Save preferences to live in ${city.value})`) +
      (remote ? ` (${remote} without a place, not drawn)` : "") +
      (seen.checked ? "" : applied.checked ? ", seen ones included" : ", seen and applied ones included");
    renderCards(list, feed.items, { empty: "No listing fits: widen the distance or the pay range.", describe: (i) => {
      const s = byId[i.item_id];
      if (!s) return null;
      return [s.title || s.item_id, s.price !== null ? `${s.price} ${s.attributes?.currency || ""}`.trim() : null,
              s.location ? null : "remote", s.creator_id && `posted by ${s.creator_id}`].filter(Boolean).join(" · ");
    }, actions: [
      { label: "apply", className: "apply", title: "POST an apply event", onClick: (i) => ctx.act(i, "apply") },
      { label: "save", className: "save", title: "POST a save event", onClick: (i) => ctx.act(i, "save") },
      { label: "✕ dismiss", className: "dismiss", title: "POST a dismiss event", onClick: (i) => ctx.act(i, "dismiss") },
      { label: "why?", className: "why", onClick: (i) => ctx.explain(i.item_id, "marketplace") },
      { label: "similar", className: "similar", onClick: (i) => ctx.show("similar", { itemId: i.item_id }) },
    ] });
  } catch (error) { status.textContent = ""; ctx.fail(error); }
}

export default {
  id: "marketplace",
  title: "Marketplace",
  mount(panel, context) {
    ctx = context;
    city = el("select", { id: "market-city" }, CITIES.map(([name]) => el("option", { value: name }, name)));
    maxKm = el("input", { type: "number", min: "0.5", max: "20000", step: "any", id: "market-max-km", placeholder: "none" });
    payMin = el("input", { type: "number", min: "0", step: "any", id: "market-pay-min", placeholder: "any" });
    payMax = el("input", { type: "number", min: "0", step: "any", id: "market-pay-max", placeholder: "any" });
    personal = el("input", { type: "checkbox", id: "market-personal", checked: "" });
    seen = el("input", { type: "checkbox", id: "market-seen", checked: "", onchange: () => { applied.disabled = seen.checked; load(); } });
    applied = el("input", { type: "checkbox", id: "market-applied", checked: "", disabled: "", onchange: load });
    svg = node("svg", { viewBox: `0 0 ${W} ${H}`, class: "latlon market-map", id: "market-map", role: "img",
                        "aria-label": "listings around the seeker" });
    panel.append(
      el("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); savePreferences(); } },
        el("label", {}, "lives in ", city), el("label", {}, "max km ", maxKm), el("label", {}, "pay ", payMin, " – ", payMax),
        el("label", {}, personal, " personalised"), el("button", { type: "submit", id: "market-save" }, "Save preferences")),
      el("div", { class: "toolbar" }, el("label", {}, seen, " exclude seen"), el("label", {}, applied, " exclude applied")),
      svg, status = el("p", { class: "status", id: "market-status" }), list = el("div", { id: "market-list" }));
  },
  activate: load,
  refresh: load,
};
