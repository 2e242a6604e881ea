"""The learning world: courses made of modules made of lessons, and learners working through them.

* **Catalogue**: ten subjects (Python, SQL, web development, data science, design, Spanish,
  Japanese, music theory, photography, personal finance). A course (``course1`` …) has three
  to five modules (``module1`` …), a module three to six lessons (``lesson1`` …); each item
  has ``attributes.type`` (course, module, lesson), ``duration_minutes``, ``level`` 1..5 with
  its ``difficulty`` word, and ``prerequisites`` (the previous lesson, the previous module, for
  an advanced course an introductory one of its subject: what ``rec.learning_path`` reads).
  Lessons have a ``format`` (video, reading, exercise, quiz, podcast). Modules are released a
  few days apart. Instructors (``instructor1`` …) differ in quality.
* **Learners** (``learner1`` …) have a ``level``, a ``learning_style`` (which format suits
  them), a ``pace`` and a home city (their local evenings and days) in ``attributes``; half
  declare the subjects they want as preferred tags.
* **Study runs** (about three quarters of the events): a learner opens a course page, enrols
  (``apply``), then takes the lessons in order: a ``view`` and a ``complete`` whose ``value`` is
  the score (0..100, higher when the lesson's level suits the learner and its format their
  style), in study sessions on their own schedule; habitual learners study day after day
  (streaks). A finished module is a ``complete`` of the module (mean score), a finished course
  one of the course plus a ``rate`` (1..5). Learners drop out along the way, more after poor
  scores, and stop for good when they leave.
* **Browsing** (the rest): course, module and lesson pages viewed (``value`` = seconds),
  bookmarked (``save``), liked or dismissed.
* Learning paths (``Dataset.paths``: per subject, the modules of its courses from introductory
  to advanced), loaded with ``rec.upsert_paths``, and consent per purpose (``Dataset.consents``),
  loaded with ``rec.upsert_consents``.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from app.demo.world import (
    APPLY,
    COMPLETE,
    DAY,
    DISMISS,
    HOUR,
    LIKE,
    RATE,
    SAVE,
    VIEW,
    ActiveUsers,
    AppWorld,
    Dataset,
    DemoSize,
    EventClock,
    Events,
    PrefixSampler,
    Steps,
    categorical,
    cities,
    iso,
    long_tail,
    people,
    pick,
    stop_times,
    taste_strength,
    vocabulary,
    zipf_by_group,
)

_WORDS = vocabulary()["learning"]
_SUBJECTS = _WORDS["subjects"]
_FIRST_NAMES, _LAST_NAMES = vocabulary()["first_names"], vocabulary()["last_names"]
_FORMATS = _WORDS["formats"]
_STYLES = tuple(_WORDS["learning_styles"])
_STYLE_FORMAT = np.array([_FORMATS.index(_WORDS["learning_styles"][s]) for s in _STYLES])
_PACES = tuple(_WORDS["paces"])
_SOURCES = tuple(_WORDS["sources"])
_HOME, _COURSE_PAGE, _SEARCH, _REMINDER, _RECOMMENDED = range(len(_SOURCES))
_COURSE, _MODULE, _LESSON = range(3)
_BROWSE_MODE, _DISLIKED_MODE = range(2)
_TYPES = ("course", "module", "lesson")

# Per pace (relaxed, steady, intensive): chance the next study day is tomorrow, chance per day
# of coming back otherwise, extra lessons per session (Poisson mean), chance to go on after a lesson.
_HABIT = np.array([0.20, 0.45, 0.75])
_RETURN = np.array([0.25, 0.40, 0.60])
_EXTRA_LESSONS = np.array([0.3, 0.7, 1.5])
_CONTINUE = np.array([0.90, 0.93, 0.95])
# Minutes a lesson takes, per format (low, high).
_MINUTES = {"video": (8, 25), "reading": (5, 15), "exercise": (15, 45), "quiz": (5, 10), "podcast": (15, 40)}
_OPENINGS = ("A gentle", "An approachable", "A solid", "An advanced", "An expert")  # course blurbs per level
_RUN_SHARE = 0.75  # of all events: study runs; the rest is browsing
_INSTRUCTOR_SHARE = 0.05


class _Learning(AppWorld):
    prefix = "learning-"
    sources = _SOURCES
    categories = tuple(f"category:{s['name']}" for s in _SUBJECTS)

    def __init__(self, size: DemoSize, now: float) -> None:
        rng = np.random.default_rng([size.seed, 0])
        self.seed, self.events, self.now, self.disliked_share = size.seed, size.events, now, size.disliked
        self.start = start = now - size.days * DAY
        self.clock = EventClock(start, now)
        k = len(_SUBJECTS)
        n_instructors = max(3, min(round(_INSTRUCTOR_SHARE * size.users), size.items // 20))
        n_learners = size.users - n_instructors

        # --- learners ---------------------------------------------------------------------------
        folk = people(rng, n_learners, k, start, now, located=0.8)
        self.folk = folk
        self.level = rng.choice(np.arange(1, 6), n_learners, p=[0.35, 0.30, 0.20, 0.10, 0.05])
        self.style = rng.integers(0, len(_STYLES), n_learners)
        self.pace = rng.choice(3, n_learners, p=[0.40, 0.45, 0.15])
        self.offset = np.array([c.utc_offset for c in cities()])[folk.city] * HOUR
        self.study_hour = np.select([rng.random(n_learners) < 0.6, rng.random(n_learners) < 0.6],
                                    [19 + 3 * rng.random(n_learners), 6 + 2 * rng.random(n_learners)],
                                    12 + rng.random(n_learners))
        self.user_stopped = np.concatenate([stop_times(rng, folk.created, start, now, size.churn),
                                            np.full(n_instructors, np.inf)])
        self.affinity = np.concatenate([folk.affinity, np.zeros((n_instructors, k))])
        self.active = ActiveUsers(folk.created, folk.activity, self.user_stopped, now)
        self.user_ids = ([f"learner{n}" for n in range(1, n_learners + 1)]
                         + [f"instructor{n}" for n in range(1, n_instructors + 1)])

        # --- instructors and the catalogue -----------------------------------------------------
        self.i_subjects = rng.integers(0, k, (n_instructors, 2))
        self.i_quality = rng.lognormal(0.0, 0.3, n_instructors)
        self._build_catalogue(rng, size.items, n_instructors, k)
        popularity = zipf_by_group(rng, self.item_subject, 1.1) * self.i_quality[self.item_instructor]
        popularity = long_tail(rng, popularity, size.long_tail)
        popularity *= np.array([3.0, 1.0, 0.5])[self.item_type]  # course pages draw most browsing
        courses = self.course_item
        self.courses_by_subject = PrefixSampler(self.item_created[courses], popularity[courses], now,
                                                self.item_subject[courses], k, ids=np.arange(len(courses)))
        self.pages_by_subject = PrefixSampler(self.item_created, popularity, now, self.item_subject, k)
        self.pages = PrefixSampler(self.item_created, popularity, now)
        self.item_expires = np.full(len(self.item_ids), np.inf)

        self.items = self._item_records(rng)
        self.users, self.onboarding, self.consents = self._user_records(rng, n_instructors)

    def _build_catalogue(self, rng: np.random.Generator, n_items: int, n_instructors: int, k: int) -> None:
        """Courses until the item budget is used; ids in release order per type."""
        rows: list[tuple] = []  # (type, subject, instructor, course, module_no, seq, level, minutes, format, created)
        prereq: list[list[int]] = []
        course_rows: list[int] = []
        course_lessons: list[list[int]] = []
        course_module_ends: list[list[int]] = []  # lesson positions that end a module
        course_modules: list[list[int]] = []
        intro_by_subject: dict[int, list[int]] = {}
        start, now = self.start, self.now
        budget = n_items
        while budget >= 3:
            c = len(course_rows)
            instructor = int(rng.integers(n_instructors))
            subject = int(self.i_subjects[instructor, int(rng.random() < 0.3)])
            level = int(rng.choice([1, 2, 3, 4, 5], p=[0.30, 0.25, 0.25, 0.12, 0.08]))
            n_mod = int(rng.integers(3, 6))
            per_mod = rng.integers(3, 7, n_mod)
            while 1 + n_mod + per_mod.sum() > budget and per_mod.sum() > n_mod:
                per_mod[np.argmax(per_mod)] -= 1
            while 1 + n_mod + per_mod.sum() > budget and n_mod > 1:
                n_mod -= 1
                per_mod = per_mod[:n_mod]
            if c == 0 or rng.random() < 0.35:  # the first course (and a backlog) predate the history
                created = start - rng.uniform(1, 540) * DAY
            else:
                created = start + rng.random() ** 0.8 * (now - 30 * DAY - start)
            created = float(np.floor(created))
            minutes_total = 0
            course_row = len(rows)
            rows.append(None)  # filled below, once its duration is known
            earlier = [r for r in intro_by_subject.get(subject, []) if rows[r][6] < level and rows[r][9] < created]
            prereq.append([int(rng.choice(earlier))] if level >= 3 and earlier else [])
            lessons, ends, modules = [], [], []
            released = created
            previous_lesson = previous_module = None
            for m in range(n_mod):
                released = float(np.floor(min(released + (rng.uniform(2, 10) * DAY if m else 0), now - HOUR)))
                m_level = int(min(5, level + (m * 2) // max(n_mod, 2)))
                module_row = len(rows)
                rows.append(None)
                prereq.append([previous_module] if previous_module is not None else [])
                module_minutes = 0
                for j in range(int(per_mod[m])):
                    fmt = _FORMATS[int(rng.choice(len(_FORMATS), p=[0.40, 0.25, 0.20, 0.10, 0.05]))]
                    lo, hi = _MINUTES[fmt]
                    minutes = int(rng.integers(lo, hi + 1))
                    module_minutes += minutes
                    lessons.append(len(rows))
                    rows.append(("lesson", subject, instructor, c, m, j + 1, m_level, minutes, fmt, released + j * 60))
                    prereq.append([previous_lesson] if previous_lesson is not None else [])
                    previous_lesson = lessons[-1]
                ends.append(len(lessons) - 1)
                rows[module_row] = ("module", subject, instructor, c, m, m + 1, m_level, module_minutes, None, released)
                modules.append(module_row)
                previous_module = module_row
                minutes_total += module_minutes
            rows[course_row] = ("course", subject, instructor, c, -1, 0, level, minutes_total, None, created)
            if level <= 2:
                intro_by_subject.setdefault(subject, []).append(course_row)
            course_rows.append(course_row)
            course_lessons.append(lessons)
            course_module_ends.append(ends)
            course_modules.append(modules)
            budget = n_items - len(rows)
        # A few items left over: extra lessons at the end of the last module.
        while len(rows) < n_items:
            last = rows[course_lessons[-1][-1]]
            rows.append((*last[:5], last[5] + 1, *last[6:9], last[9] + 60))
            prereq.append([course_lessons[-1][-1]])
            course_lessons[-1].append(len(rows) - 1)
            course_module_ends[-1][-1] = len(course_lessons[-1]) - 1

        created = np.array([r[9] for r in rows])
        order = np.argsort(created, kind="stable")
        rank = np.empty(len(rows), np.int64)
        rank[order] = np.arange(len(rows))
        self.item_type = np.array([_TYPES.index(rows[i][0]) for i in order])
        self.item_subject = np.array([rows[i][1] for i in order])
        self.item_instructor = np.array([rows[i][2] for i in order])
        self.item_course = np.array([rows[i][3] for i in order])
        self.item_module_no = np.array([rows[i][4] for i in order])
        self.item_seq = np.array([rows[i][5] for i in order])
        self.item_level = np.array([rows[i][6] for i in order])
        self.item_minutes = np.array([rows[i][7] for i in order])
        self.item_format = np.array([-1 if rows[i][8] is None else _FORMATS.index(rows[i][8]) for i in order])
        self.item_created = created[order]
        self.item_prereq = [[int(rank[p]) for p in prereq[i]] for i in order]
        counters = [0, 0, 0]
        self.item_ids = []
        for t in self.item_type:
            counters[t] += 1
            self.item_ids.append(f"{_TYPES[t]}{counters[t]}")
        n_courses = len(course_rows)
        max_len = max(len(x) for x in course_lessons)
        self.course_item = rank[np.array(course_rows)]
        self.course_len = np.array([len(x) for x in course_lessons])
        self.course_lessons = np.full((n_courses, max_len), -1, np.int64)
        self.course_module_of = np.full((n_courses, max_len), -1, np.int64)  # module item of each lesson
        self.course_module_end = np.zeros((n_courses, max_len), bool)
        for c in range(n_courses):
            lessons = rank[np.array(course_lessons[c])]
            self.course_lessons[c, :len(lessons)] = lessons
            self.course_module_end[c, course_module_ends[c]] = True
            module_of = np.searchsorted(np.array(course_module_ends[c]), np.arange(len(lessons)))
            self.course_module_of[c, :len(lessons)] = rank[np.array(course_modules[c])][module_of]
        self.course_level = self.item_level[self.course_item]
        self.course_subject = self.item_subject[self.course_item]

    # --- study runs -------------------------------------------------------------------------

    def runs(self, rng: np.random.Generator) -> Events:
        target = int(_RUN_SHARE * self.events)
        if target == 0:
            return Events.empty()
        n = max(1, target // 6)  # more runs than needed: a random subset fills the target
        t = np.sort(self.clock.random_times(rng, n))
        learner = self.active.sample(rng, t)
        course = self._choose_courses(rng, t, learner)
        # Nobody enrols twice in a course: only each learner's first run of it stays.
        _, first = np.unique(learner * len(self.course_item) + course, return_index=True)
        first = np.sort(first)
        t, learner, course = t[first], learner[first], course[first]
        n = len(t)
        parts: list[Events] = []

        stopped = self.user_stopped[learner]
        limit = np.minimum(stopped - 1, self.now - 1)

        def emit(ok: np.ndarray, at: np.ndarray, item: np.ndarray, etype: int, value: np.ndarray | None = None,
                 source: int | np.ndarray = _COURSE_PAGE) -> None:
            idx = np.flatnonzero(ok)
            parts.append(Events(np.floor(np.minimum(at[idx], limit[idx])), learner[idx], item[idx],
                                np.full(idx.size, etype), np.full(idx.size, np.nan) if value is None else value[idx],
                                np.broadcast_to(source, (n,))[idx], {"run": idx.astype(float)}))

        page = self.course_item[course]
        fit = (taste_strength(self.folk.affinity, learner, self.course_subject[course])
               * np.exp(-np.abs(self.course_level[course] - self.level[learner]) / 2))
        emit(np.ones(n, bool), t, page, VIEW, np.round(rng.lognormal(np.log(20 + 60 * fit), 0.6), 1),
             source=_HOME)
        t = t + rng.uniform(20, 400, n)
        alive = (rng.random(n) < 0.35 + 0.55 * fit) & (t < limit)
        emit(alive, t, page, APPLY)
        pace, habit = self.pace[learner], _HABIT[self.pace[learner]]
        session_left = np.zeros(n, np.int64)
        score_sum, score_n, total_sum = np.zeros(n), np.zeros(n), np.zeros(n)
        quality = self.i_quality[self.item_instructor[page]]
        for k in range(self.course_lessons.shape[1]):
            lesson = self.course_lessons[course, k]
            alive &= lesson >= 0
            if not alive.any():
                break
            lesson = np.maximum(lesson, 0)
            # A new session on a later (local) day, or the next lesson a few minutes later.
            new_session = session_left <= 0
            away = np.where(rng.random(n) < habit, 1, 1 + rng.geometric(_RETURN[pace]))
            day = np.floor((t + self.offset[learner]) / DAY) * DAY - self.offset[learner]
            later = day + np.where(k == 0, 0, away) * DAY + (self.study_hour[learner] + 2 * rng.random(n)) * HOUR
            later = np.where(later < t, t + rng.uniform(60, 600, n), later)
            t = np.where(new_session, later, t + rng.uniform(2, 15, n) * 60)
            session_left = np.where(new_session, 1 + rng.poisson(_EXTRA_LESSONS[pace]), session_left) - 1
            t = np.maximum(t, self.item_created[lesson] + 600)  # a lesson is taken once released
            done = t + self.item_minutes[lesson] * 60 * rng.uniform(0.8, 1.6, n)
            alive &= done < limit
            style = (self.item_format[lesson] == _STYLE_FORMAT[self.style[learner]]).astype(float)
            score = np.clip(np.rint(rng.normal(70 + 8 * (self.level[learner] - self.item_level[lesson])
                                               + 6 * style + 8 * (quality - 1), 12)), 0, 100)
            # Some sessions start from a reminder ("keep your streak").
            emit(alive, t, lesson, VIEW, source=np.where(new_session & (rng.random(n) < 0.3), _REMINDER, _COURSE_PAGE))
            emit(alive, done, lesson, COMPLETE, score)
            emit(alive & (score >= 85) & (rng.random(n) < 0.12), done + 30, lesson, LIKE)
            emit(alive & (rng.random(n) < 0.03), done + 45, lesson, SAVE)
            score_sum += np.where(alive, score, 0)
            score_n += alive
            total_sum += np.where(alive, score, 0)
            # A finished module is completed with its mean score; a finished course is rated.
            module_done = alive & self.course_module_end[course, k]
            emit(module_done, done + 60, self.course_module_of[course, k], COMPLETE,
                 np.rint(score_sum / np.maximum(score_n, 1)))
            score_sum[module_done], score_n[module_done] = 0, 0
            course_done = alive & (k == self.course_len[course] - 1)
            if course_done.any():
                mean = total_sum / (k + 1)
                emit(course_done, done + 90, page, COMPLETE, np.rint(mean))
                stars = np.clip(np.rint(rng.normal(1.5 + mean / 30 + (quality - 1) * 2, 0.7)), 1, 5)
                emit(course_done & (rng.random(n) < 0.6), done + 120, page, RATE, stars)
            t = done
            keep_going = _CONTINUE[pace] - 0.004 * np.maximum(0, 65 - score) - 0.05 * (1 - fit)
            alive &= rng.random(n) < keep_going
        ev = Events.merge(parts)
        # A random subset of whole runs fills the target (the rest of the events is browsing).
        run = ev.context["run"].astype(np.int64)
        sizes = np.bincount(run, minlength=n)
        chosen = rng.permutation(n)
        keep = np.zeros(n, bool)
        keep[chosen[np.cumsum(sizes[chosen]) <= target]] = True
        ev = ev.select(np.flatnonzero(keep[run]))
        return Events(ev.t, ev.user, ev.item, ev.type, ev.value, ev.source)

    def _choose_courses(self, rng: np.random.Generator, t: np.ndarray, learner: np.ndarray) -> np.ndarray:
        """A course of a subject the learner wants, usually near their level."""
        n = len(t)
        course = np.full(n, -1, np.int64)
        for attempt in range(3):
            todo = np.flatnonzero(course < 0)
            subject = categorical(rng, np.cumsum(self.folk.affinity[learner[todo]], axis=1))
            got = self.courses_by_subject.sample(rng, t[todo], subject)
            far = np.abs(self.course_level[np.maximum(got, 0)] - self.level[learner[todo]]) > 1
            course[todo] = np.where(far & (rng.random(todo.size) < 0.7) & (attempt < 2), -1, got)
        rest = np.flatnonzero(course < 0)  # nothing in their subjects yet: the first course
        course[rest] = 0
        return course

    # --- browsing ---------------------------------------------------------------------------

    def pick_items(self, rng: np.random.Generator, t: np.ndarray, user: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(t)
        r = rng.random(n)
        disliked = r < self.disliked_share
        taste = ~disliked & (r < self.disliked_share + 0.7)
        subject = np.where(disliked, self.folk.disliked[user],
                           categorical(rng, np.cumsum(self.folk.affinity[user], axis=1)))
        item = self.pages_by_subject.sample(rng, t, subject)
        item = np.where(disliked | taste, item, -1)
        rest = np.flatnonzero(item < 0)
        item[rest] = self.pages.sample(rng, t[rest])
        return item, np.where(disliked & (item >= 0), _DISLIKED_MODE, _BROWSE_MODE)

    def invalid(self, t: np.ndarray, user: np.ndarray, item: np.ndarray) -> np.ndarray:
        return item < 0

    def engage(self, rng: np.random.Generator, t: np.ndarray, user: np.ndarray, item: np.ndarray,
               mode: np.ndarray) -> tuple[Steps, np.ndarray]:
        n = len(t)
        s = taste_strength(self.folk.affinity, user, self.item_subject[item])
        fit = s * np.exp(-np.abs(self.item_level[item] - self.level[user]) / 2)
        steps = Steps(n, 3)
        steps.type[:, 0] = VIEW
        steps.value[:, 0] = np.round(rng.lognormal(np.log(10 + 40 * fit), 0.7), 1)
        saved = rng.random(n) < 0.02 + 0.10 * fit
        liked = ~saved & (rng.random(n) < 0.01 + 0.05 * fit)
        dismissed = ~saved & ~liked & (rng.random(n) < 0.03 + 0.10 * (1 - fit) + 0.4 * (mode == _DISLIKED_MODE))
        steps.type[saved, 1] = SAVE
        steps.type[liked, 1] = LIKE
        steps.type[dismissed, 1] = DISMISS
        steps.gap[:, 1] = steps.value[:, 0]
        source = np.where(rng.random(n) < 0.5, _SEARCH, np.where(rng.random(n) < 0.6, _RECOMMENDED, _HOME))
        return steps, source

    # --- records ----------------------------------------------------------------------------

    def _item_records(self, rng: np.random.Generator) -> list[dict]:
        r = rng.random((len(self.item_ids), 6))
        created_iso = iso(self.item_created)
        levels = _WORDS["level_words"]
        modules_per_course = np.bincount(self.item_course[self.item_type == _MODULE], minlength=len(self.course_item))
        # A lesson's place in its course (1..n across modules) and its module.
        position, module_of = np.zeros(len(self.item_ids), np.int64), np.full(len(self.item_ids), -1)
        for c in range(len(self.course_item)):
            lessons = self.course_lessons[c, :self.course_len[c]]
            position[lessons] = np.arange(1, len(lessons) + 1)
            module_of[lessons] = self.course_module_of[c, :self.course_len[c]]
        course_titles: dict[int, str] = {}
        for c, row in enumerate(self.course_item):
            subject = _SUBJECTS[self.item_subject[row]]
            suffix = ("for beginners", "step by step", "in practice", "in depth", "masterclass")[self.item_level[row] - 1]
            course_titles[c] = f"{pick(_WORDS['course_adjectives'], r[row, 0])} {subject['label']} {suffix}"
        items = []
        for i, item_id in enumerate(self.item_ids):
            subject = _SUBJECTS[self.item_subject[i]]
            kind, level, c = _TYPES[self.item_type[i]], int(self.item_level[i]), int(self.item_course[i])
            # A module's topic: the subject's topics in order, starting further in for harder courses.
            topic = subject["topics"][min(max(int(self.item_module_no[i]), 0) + level - 1, len(subject["topics"]) - 1)]
            topic_label = topic.replace("-", " ")
            tags = [f"category:{subject['name']}", f"level:{levels[level - 1]}"]
            attributes: dict = {"type": kind, "duration_minutes": int(self.item_minutes[i]), "level": level,
                                "difficulty": levels[level - 1],
                                "prerequisites": [self.item_ids[p] for p in self.item_prereq[i]]}
            if kind == "course":
                title = course_titles[c]
                description = (f"{_OPENINGS[level - 1]} {subject['label']} course in "
                               f"{int(np.ceil(self.item_minutes[i] / 60))} hours of lessons, starting from "
                               f"{topic_label}.")
                attributes["modules"] = int(modules_per_course[c])
            else:
                attributes["course"] = self.item_ids[self.course_item[c]]
            if kind == "module":
                title = f"{course_titles[c]}: module {self.item_seq[i]}, {topic_label}"
                description = f"Module {self.item_seq[i]} of {course_titles[c]}: {topic_label}."
                tags.append(f"topic:{topic}")
                attributes["sequence"] = int(self.item_seq[i])
            elif kind == "lesson":
                fmt = _FORMATS[self.item_format[i]]
                noun, verb = pick(subject["nouns"], r[i, 1]), pick(subject["verbs"], r[i, 2])
                title = f"{topic_label.capitalize()} {self.item_seq[i]}: {verb} the {noun}"
                minutes = int(self.item_minutes[i])
                description = (f"{'An' if str(minutes).startswith(('8', '11', '18')) else 'A'} {minutes}-minute {fmt} lesson on {topic_label} "
                               f"({subject['label']}, {levels[level - 1]}): you {verb} the {noun} yourself.")
                tags += [f"topic:{topic}", f"format:{fmt}"]
                attributes |= {"format": fmt, "module": self.item_ids[module_of[i]], "sequence": int(position[i])}
            items.append({"id": item_id, "title": title, "description": description, "tags": tags,
                          "creator_id": f"instructor{self.item_instructor[i] + 1}", "created_at": created_iso[i],
                          "attributes": attributes})
        return items

    def _user_records(self, rng: np.random.Generator, n_instructors: int) -> tuple[list[dict], list[dict], list[dict]]:
        folk = self.folk
        r = rng.random((len(folk), 8))
        joined_iso = iso(folk.created)
        quiz_iso = iso(folk.created + np.floor(60 + 600 * r[:, 7]))
        users, onboarding, consents = [], [], []
        levels = _WORDS["level_words"]
        for u in range(len(folk)):
            main = _SUBJECTS[folk.taste_order[u, 0]]
            user: dict = {
                "id": self.user_ids[u],
                "created_at": joined_iso[u],
                "location": None if np.isnan(folk.lat[u]) else {"lat": float(folk.lat[u]), "lon": float(folk.lon[u])},
                "attributes": {"name": f"{pick(_FIRST_NAMES, r[u, 0])} {pick(_LAST_NAMES, r[u, 1])}",
                               "level": int(self.level[u]), "learning_style": _STYLES[self.style[u]],
                               "pace": _PACES[self.pace[u]], "goal": main["label"]},
            }
            if r[u, 2] < 0.5:
                preferred = {f"category:{s['name']}": 1.0 for s in
                             (_SUBJECTS[c] for c in folk.taste_order[u, :3] if folk.affinity[u, c] > 0)}
                preferred[f"format:{_FORMATS[_STYLE_FORMAT[self.style[u]]]}"] = 0.5
                user["preferences"] = {"preferred_tags": preferred}
            users.append(user)
            if r[u, 3] < 0.4:
                picks = [main["name"], *main["label"].lower().split(), levels[self.level[u] - 1],
                         "beginner" if self.level[u] <= 2 else "advanced"]
                onboarding.append({"user_id": self.user_ids[u], "at": quiz_iso[u], "picks": picks})
            for purpose, share, x in zip(_WORDS["purposes"], (0.92, 0.7), (r[u, 4], r[u, 5])):
                consents.append({"user_id": self.user_ids[u], "purpose": purpose, "granted": bool(x < share),
                                 "at": joined_iso[u]})
        i_joined = iso(np.minimum(self.item_created.min() - 30 * DAY,
                                  self.start - 400 * DAY) + np.arange(n_instructors) * 3600)
        ri = rng.random((n_instructors, 2))
        for p in range(n_instructors):
            users.append({"id": f"instructor{p + 1}", "created_at": i_joined[p],
                          "attributes": {"name": f"{pick(_FIRST_NAMES, ri[p, 0])} {pick(_LAST_NAMES, ri[p, 1])}",
                                         "role": "instructor",
                                         "subjects": [_SUBJECTS[s]["label"] for s in dict.fromkeys(
                                             self.i_subjects[p].tolist())]}})
        return users, onboarding, consents

    def paths(self) -> list[dict]:
        """Per subject, the modules of its courses in order of level (introductory first), as
        ``rec.upsert_paths`` takes them."""
        out = []
        for s, subject in enumerate(_SUBJECTS):
            courses = np.flatnonzero(self.course_subject == s)
            if not courses.size:
                continue
            courses = courses[np.lexsort((courses, self.course_level[courses]))][:3]
            modules = [self.item_ids[m] for c in courses
                       for m in sorted(set(self.course_module_of[c, :self.course_len[c]].tolist()),
                                       key=lambda m: self.item_seq[m])]
            out.append({"id": f"path-{subject['name']}", "title": f"{subject['label']}: from first steps to confident",
                        "attributes": {"subject": subject["name"],
                                       "courses": [self.item_ids[self.course_item[c]] for c in courses]},
                        "modules": modules})
        return out


def generate(size: DemoSize, now: datetime) -> Dataset:
    """The learning world for ``size``, its history ending at ``now`` (UTC)."""
    world = _Learning(size, now.timestamp())
    return Dataset(items=world.items, users=world.users, now=now, size=size, _world=world, app="learning",
                   onboarding=world.onboarding, paths=world.paths(), consents=world.consents)
