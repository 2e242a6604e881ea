// The learner's side of a learning platform: a path (GET /v1/paths), the learner's progress on
// it with the next lessons at their pace (GET .../paths/{path}/progress), the difficulty to
// offer (GET .../difficulty) and achievements (GET .../achievements, claimed with POST
// .../achievements/{name}/claim). "complete" records a complete event with the score typed,
// as a learning platform would, and everything is asked again.
import { el } from "../cards.js";
import { eventId } from "../api.js";

let ctx, pathSelect, scoreInput, status, modules, next, difficulty, badges;

const enc = encodeURIComponent;

async function loadPaths() {
  try {
    const { paths } = await ctx.api.get("/v1/paths");
    const chosen = pathSelect.value;
    pathSelect.replaceChildren(...paths.map((p) => el("option", { value: p.path_id }, `${p.title || p.path_id} (${p.modules.length} modules)`)));
    if (paths.some((p) => p.path_id === chosen)) pathSelect.value = chosen;
    if (!paths.length) status.textContent = "No learning paths yet: PUT /v1/paths (rec.upsert_paths), or pgrec demo --app learning.";
    return paths.length > 0;
  } catch (error) { ctx.fail(error); return false; }
}

async function complete(itemId) {
  const user = ctx.user();
  const score = Number(scoreInput.value);
  try {
    await ctx.api.post("/v1/events", [{ event_id: eventId(), user_id: user, item_id: itemId, type: "complete",
      value: score, context: { surface: "playground", view: "learning" } }]);
    ctx.toast(`${itemId} completed with ${score}`);
    await load();
  } catch (error) { ctx.fail(error); }
}

async function claim(name) {
  try {
    const result = await ctx.api.post(`/v1/users/${enc(ctx.user())}/achievements/${enc(name)}/claim`);
    ctx.toast(result.claimed ? `${name} claimed` : `${name} was claimed before`);
    await load();
  } catch (error) { ctx.fail(error); }
}

async function load() {
  const user = ctx.user();
  if (!user) { status.textContent = "Pick a user (a learner) above."; return; }
  if (!pathSelect.value && !(await loadPaths())) return;
  try {
    const [progress, level, achieved] = await Promise.all([
      ctx.api.get(`/v1/users/${enc(user)}/paths/${enc(pathSelect.value)}/progress`),
      ctx.api.get(`/v1/users/${enc(user)}/difficulty`),
      ctx.api.get(`/v1/users/${enc(user)}/achievements`),
    ]);
    status.textContent = `${progress.completed} of ${progress.total} modules completed (${Math.round(progress.progress * 100)} %), ` +
      `${progress.minutes_left} minutes left, about ${progress.days_left} days at the ${progress.pace.name} pace`;
    modules.replaceChildren(el("table", { class: "data", "data-testid": "path-modules" },
      el("tr", {}, el("th", {}, "#"), el("th", {}, "module"), el("th", {}, "status"), el("th", { class: "num" }, "score"),
        el("th", { class: "num" }, "lessons")),
      ...progress.modules.map((m) => el("tr", { class: `module-${m.status}` }, el("td", {}, String(m.position)),
        el("td", {}, m.title || m.item_id), el("td", { class: "module-status" }, m.status),
        el("td", { class: "num" }, m.score == null ? "" : String(m.score)),
        el("td", { class: "num" }, `${m.lessons_done}/${m.lessons_total}`)))));
    const lessons = (progress.next && progress.next.lessons) || [];
    next.replaceChildren(progress.next
      ? el("p", { class: "status" }, `next: ${progress.next.module} — ${progress.next.reason}`)
      : el("p", { class: "status" }, "path completed"),
      el("ul", { class: "next-lessons" }, ...lessons.map((l) => {
        const id = typeof l === "string" ? l : l.item_id;
        return el("li", {}, `${id} `, el("button", { type: "button", class: "complete", onclick: () => complete(id) }, "complete"));
      })));
    difficulty.textContent = level.target == null ? "recommended difficulty: none yet"
      : `recommended difficulty: ${Number(level.target).toFixed(2)} (${level.basis})`;
    badges.replaceChildren(el("ul", { class: "achievements" }, ...achieved.achievements.map((a) => el("li",
      { class: a.unlocked ? "unlocked" : "locked", "data-achievement": a.achievement },
      `${a.title || a.achievement}: ${a.progress}/${a.target}`,
      a.unlocked && !a.claimed_at ? el("button", { type: "button", class: "claim", onclick: () => claim(a.achievement) }, "claim") : "",
      a.claimed_at ? " (claimed)" : ""))));
  } catch (error) { ctx.fail(error); }
}

export default {
  id: "learning",
  title: "Learning",
  mount(panel, context) {
    ctx = context;
    pathSelect = el("select", { id: "learning-path" });
    pathSelect.addEventListener("change", load);
    scoreInput = el("input", { id: "learning-score", type: "number", min: "0", max: "100", value: "85" });
    panel.append(el("div", { class: "bar" }, el("label", {}, "path ", pathSelect), el("label", {}, " score for complete ", scoreInput)),
      status = el("p", { class: "status", "data-testid": "learning-status" }), modules = el("div"), next = el("div"),
      difficulty = el("p", { class: "status", "data-testid": "difficulty" }), el("h3", {}, "achievements"), badges = el("div"));
  },
  async activate() { await loadPaths(); await load(); },
  refresh: load,
};
