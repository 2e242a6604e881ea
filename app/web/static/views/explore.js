// The explore page of user projects, as a host app would build it on the public API: three
// tabs for the chosen member — For You (GET /v1/users/{id}/feed?strategy=explore), New
// (GET /v1/latest?strategy=explore_new&user_id=…) and Trending (GET /v1/trending?strategy=
// explore_trending&user_id=…) — and search; a member pgrec knows too little about first
// gets the explore quiz (GET /v1/onboarding/questions?questionnaire=explore, answered with
// POST /v1/users/{id}/onboarding). "follow" on a card follows the project's creator
// (PUT /v1/users/{id}/follows/{creator}); the members followed are listed with an unfollow.
import { el, renderCards } from "../cards.js";

const TABS = [
  { id: "foryou", title: "For You", path: (u) => `/v1/users/${encodeURIComponent(u)}/feed`, params: () => ({ strategy: "explore" }) },
  { id: "new", title: "New", path: () => "/v1/latest", params: (u) => ({ strategy: "explore_new", user_id: u }) },
  { id: "trending", title: "Trending", path: () => "/v1/trending", params: (u) => ({ strategy: "explore_trending", user_id: u }) },
];

let ctx, tabBar, quizBox, followingBox, searchInput, status, list, tab = "foryou", query = "", quizFor = null;
let stored = {};  // item_id -> the stored project (POST /v1/items/lookup), for titles and creators

function userPath(suffix = "") {
  return `/v1/users/${encodeURIComponent(ctx.user())}${suffix}`;
}

async function follow(item) {
  try {
    const found = stored[item.item_id];
    if (!found || !found.creator_id) { ctx.toast(`${item.item_id} names no creator`, "error"); return; }
    await ctx.api.put(userPath(`/follows/${encodeURIComponent(found.creator_id)}`));
    ctx.toast(`following ${found.creator_id}`);
    await load();
  } catch (error) { ctx.fail(error); }
}

async function unfollow(creator) {
  try {
    await ctx.api.del(userPath(`/follows/${encodeURIComponent(creator)}`));
    ctx.toast(`no longer following ${creator}`);
    await load();
  } catch (error) { ctx.fail(error); }
}

function actions() {
  return [
    ...ctx.cardActions().filter((a) => ["like", "dismiss", "why"].includes(a.className)),
    { label: "+ follow", className: "follow", title: "Follow this project's creator", onClick: follow },
  ];
}

async function showFollowing() {
  const { follows } = await ctx.api.get(userPath("/follows"));
  followingBox.replaceChildren(follows.length ? el("span", { class: "muted" }, "following: ") : el("span"),
    ...follows.map((f) => el("button", { type: "button", class: "chip following", "data-creator": f.creator_id,
                                         title: `unfollow (${f.items} live projects)`, onclick: () => unfollow(f.creator_id) },
      `${f.creator_id} ✕`)));
}

// The quiz: one fieldset per question, checkboxes for multiple choice, radios for one.
async function showQuiz() {
  const { questions } = await ctx.api.get("/v1/onboarding/questions", { questionnaire: "explore" });
  const form = el("form", { id: "explore-quiz", class: "quiz", onsubmit: submitQuiz },
    el("h3", {}, `Welcome, ${ctx.user()}: tell us what you make`),
    ...questions.map((q) => el("fieldset", { "data-question": q.question_id },
      el("legend", {}, q.prompt),
      el("div", { class: "chips" }, q.options.map((o) => el("label", { class: "chip" },
        el("input", { type: q.multiple ? "checkbox" : "radio", name: q.question_id, value: o.id }), o.label))))),
    el("button", { type: "submit", id: "explore-quiz-submit" }, "Show my feed"));
  quizBox.replaceChildren(form);
}

async function submitQuiz(event) {
  event.preventDefault();
  const answers = {};
  for (const fieldset of quizBox.querySelectorAll("fieldset")) {
    const picked = [...fieldset.querySelectorAll("input:checked")].map((i) => i.value);
    const multiple = fieldset.querySelector("input")?.type === "checkbox";
    if (picked.length) answers[fieldset.dataset.question] = multiple ? picked : picked[0];
  }
  if (!Object.keys(answers).length) { ctx.toast("Pick at least one answer.", "error"); return; }
  try {
    const { preferences_written: written } = await ctx.api.post(userPath("/onboarding"), answers);
    ctx.toast(`${written} preferences from the quiz`);
    quizBox.replaceChildren();
    await load();
  } catch (error) { ctx.fail(error); }
}

async function load() {
  const user = ctx.user();
  if (!user) { status.textContent = "Type a member id above (explore world: member1 …), or a new id to take the quiz."; return; }
  for (const b of tabBar.querySelectorAll("button")) b.classList.toggle("active", b.dataset.tab === tab && !query);
  status.textContent = "loading…";
  try {
    const who = await ctx.api.get(userPath("/status"));
    if (who.needs_onboarding && quizFor !== user) { await showQuiz(); quizFor = user; }
    else if (!who.needs_onboarding) { quizBox.replaceChildren(); quizFor = null; }
    await showFollowing();
    let result, what;
    if (query) {
      result = await ctx.api.get("/v1/search", { q: query, user_id: user, n: 20 });
      what = `results for “${query}” (${result.mode})`;
    } else {
      const t = TABS.find((x) => x.id === tab);
      result = await ctx.api.get(t.path(user), { n: 20, ...t.params(user) });
      what = `${t.title} for ${user}` + (who.personalized ? "" : " (not personalised yet: popular and trending projects)");
    }
    const ids = result.items.map((i) => i.item_id);
    stored = ids.length ? Object.fromEntries((await ctx.api.post("/v1/items/lookup", { item_ids: ids })).items
      .map((s) => [s.item_id, s])) : {};
    status.textContent = `${result.items.length} ${what}`;
    renderCards(list, result.items, { actions: actions(), empty: "Nothing here yet.", describe: (i) => {
      const s = stored[i.item_id];
      if (!s) return null;
      const category = (s.tags || []).find((t) => t.startsWith("category:"));
      return [s.title || s.item_id, s.creator_id && `by ${s.creator_id}`, category].filter(Boolean).join(" · ");
    } });
  } catch (error) { status.textContent = ""; ctx.fail(error); }
}

export default {
  id: "explore",
  title: "Explore",
  mount(panel, context) {
    ctx = context;
    tabBar = el("div", { class: "subtabs", id: "explore-tabs" }, TABS.map((t) =>
      el("button", { type: "button", "data-tab": t.id, onclick: () => { tab = t.id; query = ""; searchInput.value = ""; load(); } },
        t.title)));
    searchInput = el("input", { type: "search", id: "explore-q", placeholder: "search projects" });
    panel.append(
      el("div", { class: "toolbar" }, tabBar,
        el("form", { onsubmit: (e) => { e.preventDefault(); query = searchInput.value.trim(); load(); } }, searchInput)),
      quizBox = el("div", { id: "explore-quiz-box" }),
      followingBox = el("div", { class: "chips", id: "explore-following" }),
      status = el("p", { class: "status", id: "explore-status" }),
      list = el("div", { id: "explore-list" }));
  },
  activate: load,
  refresh: load,
};
