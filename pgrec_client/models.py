"""What the verbs return: plain frozen dataclasses, the same over SQL and HTTP.

Each is built from the row (or JSON value) the ``rec`` function returns. Values the two
transports spell differently — a timestamp is a ``datetime`` from psycopg and an ISO string in
JSON, a price a ``Decimal`` or a number — are brought to one type here. ``raw`` keeps the
object as the server built it, so keys a later pgrec release adds reach the caller without a
client release.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable, Mapping

__all__ = [
    "RankedItem", "PathStep", "Item", "Location", "Explanation", "UserStatus", "UserStats", "Question", "Option",
    "Strategy", "Erasure", "UserExport", "EventPage", "Assignment", "RecommendationType", "Interest", "Profile",
    "ProfileVersion", "Consent", "LearningPath", "PathProgress", "Difficulty", "Achievement", "Claim", "Follow",
]


def _time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


@dataclass(frozen=True, slots=True)
class RankedItem:
    """One item of a list (feed, trending, similar, …), best first.

    ``terms`` are the weighted signal values that add up to ``score``; ``reasons`` the
    human-readable reasons; ``raw`` the whole ``reasons`` object, with what a list adds
    (``distance_km`` for nearby, ``ranks`` for search, ``tie_break`` for latest)."""

    item_id: str
    score: float | None  # None only in rank: an item it may not list, or an unknown id (raw["excluded"])
    terms: dict[str, float]
    reasons: list[str]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RankedItem:
        raw = row["reasons"] or {}
        score = row["score"]
        return cls(row["item_id"], None if score is None else float(score), dict(raw.get("terms") or {}),
                   list(raw.get("reasons") or []), raw)


@dataclass(frozen=True, slots=True)
class PathStep:
    """One step of a learning path: ``status`` is ``completed``, ``ready`` or ``locked``."""

    step: int
    item_id: str
    score: float
    status: str | None
    reasons: list[str]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> PathStep:
        raw = row["reasons"] or {}
        return cls(int(row["step"]), row["item_id"], float(row["score"]), raw.get("status"),
                   list(raw.get("reasons") or []), raw)


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Item:
    """The stored fields of an item (``rec.items``), in the shape ``upsert_items`` accepts."""

    item_id: str
    title: str | None
    description: str | None
    tags: list[str]
    creator_id: str | None
    created_at: datetime | None
    location: Location | None
    price: Decimal | None
    attributes: dict[str, Any]
    status: str
    expires_at: datetime | None
    embedded: bool

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Item:
        location = row["location"]
        return cls(row["item_id"], row["title"], row["description"], list(row["tags"] or []), row["creator_id"],
                   _time(row["created_at"]), Location(location["lat"], location["lon"]) if location else None,
                   _decimal(row["price"]), dict(row["attributes"] or {}), row["status"], _time(row["expires_at"]),
                   bool(row["embedded"]))


@dataclass(frozen=True, slots=True)
class Explanation:
    """``rec.explain``: why an item ranks where it does for a user, or why it is not shown."""

    user_id: str
    item_id: str
    strategy: str
    eligible: bool
    excluded_because: str | None
    candidate: bool
    rank: int | None
    score: float
    weights: dict[str, float]
    signals: dict[str, float | None]
    terms: dict[str, float]
    reasons: list[str]
    rules: list[str]
    details: dict[str, Any]
    personalized: bool
    cold_start: bool
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_value(cls, raw: Mapping[str, Any]) -> Explanation:
        return cls(raw["user_id"], raw["item_id"], raw["strategy"], bool(raw["eligible"]), raw.get("excluded_because"),
                   bool(raw.get("candidate")), raw.get("rank"), float(raw.get("score") or 0),
                   dict(raw.get("weights") or {}), dict(raw.get("signals") or {}), dict(raw.get("terms") or {}),
                   list(raw.get("reasons") or []), list(raw.get("rules") or []), dict(raw.get("details") or {}),
                   bool(raw.get("personalized")), bool(raw.get("cold_start")), dict(raw))


@dataclass(frozen=True, slots=True)
class UserStatus:
    """``rec.status``: what pgrec knows about a user and whether that is enough to personalise."""

    user_id: str
    known: bool
    personalized: bool
    enough_data: bool
    needs_onboarding: bool
    has_vector: bool
    has_location: bool
    default_blend: str
    counts: dict[str, int]
    thresholds: dict[str, int]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_value(cls, raw: Mapping[str, Any]) -> UserStatus:
        return cls(raw["user_id"], bool(raw["known"]), bool(raw["personalized"]), bool(raw["enough_data"]),
                   bool(raw["needs_onboarding"]), bool(raw["has_vector"]), bool(raw["has_location"]),
                   raw["default_blend"], dict(raw.get("counts") or {}), dict(raw.get("thresholds") or {}), dict(raw))


@dataclass(frozen=True, slots=True)
class UserStats:
    """``rec.user_stats``: events by type, active days and streaks (an unknown user has zeros)."""

    user_id: str
    events: int
    by_type: dict[str, int]
    active_days: int
    current_streak: int
    longest_streak: int
    first_at: datetime | None
    last_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> UserStats:
        return cls(row["user_id"], int(row["events"] or 0), dict(row["by_type"] or {}), int(row["active_days"] or 0),
                   int(row["current_streak"] or 0), int(row["longest_streak"] or 0), _time(row["first_at"]),
                   _time(row["last_at"]))


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    """An onboarding question; answer with ``submit_onboarding(user, {question_id: option id(s)})``."""

    question_id: str
    prompt: str
    multiple: bool
    options: list[Option]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Question:
        return cls(row["question_id"], row["prompt"], bool(row["multiple"]),
                   [Option(o["id"], o["label"]) for o in row["options"] or []])


@dataclass(frozen=True, slots=True)
class Follow:
    """A creator the user follows now, with how many live items they have."""

    creator_id: str
    followed_at: datetime | None
    items: int

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Follow:
        return cls(row["creator_id"], _time(row["followed_at"]), int(row["items"]))


@dataclass(frozen=True, slots=True)
class Strategy:
    """A named weight set: what ``strategy=`` selects for the list named by ``list``."""

    name: str
    description: str | None
    personalized: bool
    weights: dict[str, float]
    parameters: dict[str, Any]
    list: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Strategy:
        return cls(row["name"], row["description"], bool(row["personalized"]), dict(row["weights"] or {}),
                   dict(row["parameters"] or {}), row.get("list"))


@dataclass(frozen=True, slots=True)
class Erasure:
    """``rec.forget_user``: rows erased per table."""

    user_id: str
    erased: dict[str, int]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_value(cls, raw: Mapping[str, Any]) -> Erasure:
        return cls(raw["user_id"], dict(raw.get("erased") or {}), dict(raw))


@dataclass(frozen=True, slots=True)
class EventPage:
    """A page of a user's exported events, oldest first; pass ``after`` on to get the next
    page (``None``: this page is empty, there is nothing more)."""

    events: list[dict[str, Any]]
    after: int | None

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> EventPage:
        rows = list(rows)
        return cls([r["event"] for r in rows], int(rows[-1]["cursor"]) if rows else None)


@dataclass(frozen=True, slots=True)
class UserExport:
    """Everything pgrec stores about a user, in the shapes ``upsert_users`` and ``track`` accept."""

    user: dict[str, Any]
    events: list[dict[str, Any]]
    other: dict[str, Any]
    exported_at: datetime | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_value(cls, raw: Mapping[str, Any], events: list[dict[str, Any]]) -> UserExport:
        document = {k: v for k, v in raw.items() if k != "events"}
        return cls(dict(raw["user"]), events, dict(raw.get("other") or {}), _time(raw.get("exported_at")), document)


@dataclass(frozen=True, slots=True)
class Assignment:
    """``rec.experiment_variant``: the variant of an experiment a user is served; ``running`` is
    false while the experiment does not run (everyone then gets its control variant)."""

    variant: str
    strategy: str
    running: bool

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Assignment:
        return cls(row["variant"], row["strategy"], bool(row["running"]))


@dataclass(frozen=True, slots=True)
class RecommendationType:
    """What ``feed(user, type=...)`` selects: a named feed strategy."""

    type: str
    strategy: str
    description: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RecommendationType:
        return cls(row["type"], row["strategy"], row["description"])


@dataclass(frozen=True, slots=True)
class Interest:
    """One interest of a profile: ``confidence`` 0..1, ``source`` declared, onboarding or behaviour."""

    tag: str
    confidence: float
    source: str | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_value(cls, raw: Mapping[str, Any]) -> Interest:
        return cls(raw["tag"], float(raw.get("confidence") or 0), raw.get("source"), dict(raw))


@dataclass(frozen=True, slots=True)
class Profile:
    """``rec.profile``: what pgrec holds about a user now; ``version`` grows with every change."""

    user_id: str
    known: bool
    version: int
    updated_at: datetime | None
    interests: list[Interest]
    aversions: list[Interest]
    preferences: dict[str, Any]
    consents: dict[str, bool]
    personalized: bool
    learner: dict[str, Any]
    counts: dict[str, int]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_value(cls, raw: Mapping[str, Any]) -> Profile:
        return cls(raw["user_id"], bool(raw.get("known")), int(raw.get("version") or 0), _time(raw.get("updated_at")),
                   [Interest.from_value(i) for i in raw.get("interests") or []],
                   [Interest.from_value(i) for i in raw.get("aversions") or []],
                   dict(raw.get("preferences") or {}), dict(raw.get("consents") or {}), bool(raw.get("personalized")),
                   dict(raw.get("learner") or {}), dict(raw.get("counts") or {}), dict(raw))


@dataclass(frozen=True, slots=True)
class ProfileVersion:
    """One version of a profile (``rec.profile_history``): what changed, when and why."""

    version: int
    changed_at: datetime | None
    cause: str
    changes: dict[str, Any]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ProfileVersion:
        return cls(int(row["version"]), _time(row["changed_at"]), row["cause"], dict(row["changes"] or {}))


@dataclass(frozen=True, slots=True)
class Consent:
    """A user's consent to one purpose; ``answered`` false: the purpose's default applies."""

    purpose: str
    granted: bool
    answered: bool
    updated_at: datetime | None
    description: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Consent:
        return cls(row["purpose"], bool(row["granted"]), bool(row["answered"]), _time(row["updated_at"]),
                   row["description"])


@dataclass(frozen=True, slots=True)
class LearningPath:
    """A learning path (``rec.paths``): its modules' item ids in order."""

    path_id: str
    title: str | None
    description: str | None
    attributes: dict[str, Any]
    modules: list[str]
    updated_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> LearningPath:
        return cls(row["path_id"], row["title"], row["description"], dict(row["attributes"] or {}),
                   list(row["modules"] or []), _time(row["updated_at"]))


@dataclass(frozen=True, slots=True)
class PathProgress:
    """``rec.path_progress``: each module's status and score, and what to do next (``next``
    is ``None`` once the path is done)."""

    path_id: str
    user_id: str
    completed: int
    total: int
    progress: float
    modules: list[dict[str, Any]]
    next: dict[str, Any] | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_value(cls, raw: Mapping[str, Any]) -> PathProgress:
        return cls(raw["path_id"], raw["user_id"], int(raw.get("completed") or 0), int(raw.get("total") or 0),
                   float(raw.get("progress") or 0), list(raw.get("modules") or []), raw.get("next"), dict(raw))


@dataclass(frozen=True, slots=True)
class Difficulty:
    """``rec.recommended_difficulty``: the level to offer next (``None`` without evidence) and why."""

    user_id: str
    target: float | None
    basis: str
    recent: list[dict[str, Any]]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_value(cls, raw: Mapping[str, Any]) -> Difficulty:
        target = raw.get("target")
        return cls(raw["user_id"], None if target is None else float(target), raw.get("basis") or "none",
                   list(raw.get("recent") or []), dict(raw))


@dataclass(frozen=True, slots=True)
class Achievement:
    """An achievement's state for a user, computed from their events."""

    achievement: str
    title: str | None
    description: str | None
    kind: str
    target: int
    progress: int
    unlocked: bool
    unlocked_at: datetime | None
    claimed_at: datetime | None
    details: dict[str, Any]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Achievement:
        return cls(row["achievement"], row["title"], row["description"], row["kind"], int(row["target"]),
                   int(row["progress"] or 0), bool(row["unlocked"]), _time(row["unlocked_at"]),
                   _time(row["claimed_at"]), dict(row["details"] or {}))


@dataclass(frozen=True, slots=True)
class Claim:
    """``rec.claim_achievement``: ``claimed`` false when it had been claimed before (the first
    claim's times are returned)."""

    user_id: str
    achievement: str
    unlocked_at: datetime | None
    claimed_at: datetime | None
    claimed: bool

    @classmethod
    def from_value(cls, raw: Mapping[str, Any]) -> Claim:
        return cls(raw["user_id"], raw["achievement"], _time(raw.get("unlocked_at")), _time(raw.get("claimed_at")),
                   bool(raw.get("claimed")))
