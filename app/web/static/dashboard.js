// The operator dashboard: every number comes from an admin endpoint of the public API
// (/v1/admin/..., /v1/experiments). Optional sections stay hidden while their endpoint has no
// rows, or does not exist yet (model metrics) until a pgrec version provides it. Feed quality
// (CTR, apply and save rates, coverage) comes from the impressions the feed endpoint logs; the
// score distribution asks for a sample of feeds, so it is reloaded once a minute, not every 10 s.
// The replica section shows only when the API serves reads from a hot standby
// (PGREC_READ_DATABASE_URL).
import { api, describeError, savedKey } from "./api.js";
import { el } from "./cards.js";
import { hbars, histogram, rangeColumns, stackedColumns } from "./charts.js";
import { mountKeyBar } from "./keybar.js";

const $ = (s) => document.querySelector(s);
const FEED_ROUTE = "/v1/users/{user_id}/feed";
// Shown when their endpoint answers with rows; any array of objects in the answer becomes a table.
const OPTIONAL_SECTIONS = [
  { id: "experiments", title: "Experiments", path: "/v1/experiments" },
  { id: "models", title: "Model metrics", path: "/v1/admin/models" },
];

function ago(seconds) {
  if (seconds === null || seconds === undefined) return "never";
  const s = Math.round(seconds);
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 129600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

function since(iso) {
  return iso ? ago((Date.now() - Date.parse(iso)) / 1000) + " ago" : "never";
}

function table(columns, rows, { numeric = [] } = {}) {
  return el("table", { class: "data" },
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { class: numeric.includes(c) ? "num" : "" }, c)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((cell, i) =>
      el("td", { class: numeric.includes(columns[i]) ? "num" : "" }, cell instanceof Node ? cell : String(cell ?? "")))))));
}

function section(id) { return $(`#${id} .body`); }

async function refreshSteps() {
  const { steps } = await api.get("/v1/admin/refresh-steps");
  section("refresh").replaceChildren(
    table(["step", "every", "last run", "outcome", "seconds", "rows", "stale for", "error"], steps.map((s) => [
      s.step, ago(s.every_seconds), since(s.last_started_at),
      el("span", { class: `outcome-${s.last_outcome || "none"}` }, s.last_outcome || "never run"),
      s.last_seconds === null ? "" : s.last_seconds.toFixed(2), s.last_rows ?? "", ago(s.age_seconds),
      s.last_outcome === "ok" ? "" : (s.last_detail || "")]), { numeric: ["seconds", "rows"] }),
    el("h3", {}, "staleness (time since the last successful run)"),
    hbars(steps.map((s) => ({ label: s.step, value: s.age_seconds ?? 0, text: ago(s.age_seconds), ok: s.last_outcome === "ok" })),
      { label: "staleness per refresh step", colourOf: (r) => (r.ok ? "#4e79a7" : "#cf222e") }));
}

async function embeddings() {
  const q = await api.get("/v1/admin/embeddings");
  const kpi = (value, text) => el("div", { class: "kpi" }, el("b", {}, String(value)), el("span", {}, text));
  section("embeddings").replaceChildren(el("div", { class: "kpis", "data-testid": "embedding-kpis" },
    kpi(q.pending, "queued"), kpi(q.ready, "ready to embed"), kpi(q.failing, "failing"),
    kpi(`${q.embedded} / ${q.items}`, `items with a vector (dim ${q.dim ?? "?"})`)),
    q.last_error ? el("p", { class: "outcome-error" }, `last error: ${q.last_error}`) : el("span"));
}

async function activity() {
  const window = $("#activity-window").value;
  const bucket = window === "1 hour" ? "1 minute" : window === "24 hours" ? "1 hour" : "1 day";
  const { buckets } = await api.get("/v1/admin/activity", { window, bucket });
  const total = buckets.reduce((a, b) => a + b.events, 0);
  const last = buckets[buckets.length - 1];
  const perMinute = window === "1 hour" ? total / buckets.length : total / (buckets.length * (bucket === "1 hour" ? 60 : 1440));
  section("activity").replaceChildren(
    el("div", { class: "kpis" },
      el("div", { class: "kpi", "data-testid": "events-total" }, el("b", {}, String(total)), el("span", {}, `events in the last ${window}`)),
      el("div", { class: "kpi" }, el("b", {}, perMinute.toFixed(1)), el("span", {}, "events per minute (mean)")),
      el("div", { class: "kpi" }, el("b", {}, String(last ? last.events : 0)), el("span", {}, `in the current ${bucket}`))),
    stackedColumns(buckets.map((b) => ({ label: b.bucket_start, values: b.by_type })), {
      label: `events per ${bucket} by type`,
      tick: (r) => new Date(r.label).toLocaleTimeString([], bucket === "1 day" ? { month: "short", day: "numeric" } : { hour: "2-digit", minute: "2-digit" }) }),
    el("div", { class: "legend" }, [...new Set(buckets.flatMap((b) => Object.keys(b.by_type)))].sort().map((t) =>
      el("span", { class: "legend-entry" }, el("i", { style: `background:${colourFor(t)}` }), t))));
}

import { colour as colourFor } from "./cards.js";

async function latency() {
  const { routes } = await api.get("/v1/admin/latency");
  const feed = routes.find((r) => r.route === FEED_ROUTE && r.method === "GET");
  section("latency").replaceChildren(
    feed ? el("div", { class: "kpis", "data-testid": "feed-latency" },
      ...["p50_ms", "p90_ms", "p99_ms"].map((p) => el("div", { class: "kpi" }, el("b", {}, `${feed[p].toFixed(1)} ms`),
        el("span", {}, `feed ${p.slice(0, 3)}`))),
      el("div", { class: "kpi" }, el("b", {}, String(feed.count)), el("span", {}, "feed requests"))) :
      el("p", { class: "muted" }, "No feed request served by this API process yet."),
    feed ? histogram(feed.buckets, { label: "feed latency histogram (ms)" }) : el("span"),
    el("h3", {}, "every route (since this API process started)"),
    table(["method", "route", "count", "p50 ms", "p90 ms", "p99 ms"], routes.map((r) =>
      [r.method, r.route, r.count, r.p50_ms.toFixed(1), r.p90_ms.toFixed(1), r.p99_ms.toFixed(1)]),
      { numeric: ["count", "p50 ms", "p90 ms", "p99 ms"] }));
}

function bytes(n) {
  if (n === null || n === undefined) return "?";
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1048576).toFixed(1)} MB`;
}

async function replica() {
  const box = $("#replica");
  const r = await api.get("/v1/admin/replica");
  box.hidden = !r.configured;
  if (!r.configured) return;
  const kpi = (value, text, testid) => el("div", { class: "kpi", "data-testid": testid }, el("b", {}, value), el("span", {}, text));
  section("replica").replaceChildren(
    r.in_recovery ? el("div", { class: "kpis" },
      kpi(bytes(r.behind_bytes), "WAL not replayed yet", "replica-behind"),
      kpi(ago(r.replay_age_seconds), "since the last replayed commit", "replica-age"),
      kpi(r.replay_paused ? "paused" : "replaying", "replay", "replica-state")) :
      el("p", { class: "outcome-error" }, "PGREC_READ_DATABASE_URL reaches a primary, not a standby."),
    el("p", { class: "muted" }, r.in_recovery ?
      `read endpoints are served from the standby; replayed ${r.replayed_lsn}, primary at ${r.primary_lsn}` : ""));
}

function firstRows(value) {
  if (Array.isArray(value)) return value;
  if (value && typeof value === "object") for (const v of Object.values(value)) if (Array.isArray(v)) return v;
  return [];
}

async function optional(spec) {
  const box = $(`#${spec.id}`);
  let rows;
  try {
    rows = firstRows(await api.get(spec.path)).filter((r) => r && typeof r === "object");
  } catch (error) {
    // 404/501: this installation has no such endpoint yet; stay out of the way.
    if (error.status === 404 || error.status === 501 || error.status === 405) { box.hidden = true; return; }
    throw error;
  }
  box.hidden = !rows.length;
  if (!rows.length) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  section(spec.id).replaceChildren(table(columns, rows.map((r) => columns.map((c) =>
    typeof r[c] === "object" && r[c] !== null ? JSON.stringify(r[c]) : r[c]))));
}

const percent = (x) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)} %`);
let scores = null, scoresAt = 0;

async function quality() {
  const window = $("#quality-window").value;
  const { rows } = await api.get("/v1/admin/feed-metrics", { window });
  const total = rows.find((r) => r.total);
  if (!scores || Date.now() - scoresAt > 60000) {
    scores = await api.get("/v1/admin/score-distribution", { users: 30, n: 20 });
    scoresAt = Date.now();
  }
  const kpi = (value, text, id) => el("div", { class: "kpi", "data-testid": id }, el("b", {}, value), el("span", {}, text));
  section("quality").replaceChildren(
    el("div", { class: "kpis", "data-testid": "quality-kpis" },
      kpi(percent(total.ctr), `CTR (${total.clicks} of ${total.impressions} impressions)`, "ctr"),
      kpi(percent(total.apply_rate), `apply rate (${total.applies})`, "apply-rate"),
      kpi(percent(total.save_rate), `save rate (${total.saves})`, "save-rate"),
      kpi(percent(total.coverage), `personalised (${total.personalized_users} of ${total.users} users)`, "coverage"),
      kpi(percent(total.catalogue_coverage), `of live items shown (${total.items_shown})`, "catalogue")),
    el("h3", {}, `per strategy, impressions of the last ${window}, events within 24 hours after`),
    table(["strategy", "users", "impressions", "CTR", "apply", "save", "personalised"],
      rows.filter((r) => !r.total).map((r) => [r.strategy ?? "(installation's blend)", r.users, r.impressions,
        percent(r.ctr), percent(r.apply_rate), percent(r.save_rate), percent(r.coverage)]),
      { numeric: ["users", "impressions", "CTR", "apply", "save", "personalised"] }),
    el("h3", {}, `feed scores now: ${scores.users} recent users × ${scores.rows ? Math.round(scores.rows / Math.max(scores.users, 1)) : 0} items` +
      (scores.rows ? `, median ${scores.p50.toFixed(3)}, p10 ${scores.p10.toFixed(3)}, p90 ${scores.p90.toFixed(3)}` : "")),
    scores.rows ? rangeColumns(scores.histogram, { label: "feed score histogram" }) : el("p", { class: "muted" }, "No feed to score yet."));
}

async function load() {
  const problems = [];
  if (!savedKey()) {
    $("#problem").textContent = "Paste an API key with the admin scope above (make run prints a demo key).";
    return;
  }
  const parts = [refreshSteps, embeddings, activity, latency, replica, quality,
    ...OPTIONAL_SECTIONS.map((s) => () => optional(s))];
  await Promise.all(parts.map((part) => part().catch((error) => problems.push(describeError(error)))));
  $("#problem").textContent = [...new Set(problems)].join(" ");
  $("#updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

function start() {
  const main = $("#sections");
  for (const spec of OPTIONAL_SECTIONS) {
    main.append(el("section", { class: "panel", id: spec.id, hidden: "" }, el("h2", {}, spec.title), el("div", { class: "body" })));
  }
  mountKeyBar($("#keybar"), load);
  $("#activity-window").addEventListener("change", () => activity().catch((e) => { $("#problem").textContent = describeError(e); }));
  $("#quality-window").addEventListener("change", () => quality().catch((e) => { $("#problem").textContent = describeError(e); }));
  $("#reload").addEventListener("click", load);
  setInterval(() => { if ($("#auto").checked) load(); }, 10000);
  load();
}

start();
