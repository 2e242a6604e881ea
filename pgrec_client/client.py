"""The verbs: one method per ``rec`` function, the same over SQL and over HTTP.

Required arguments are positional, every optional one is keyword-only and ``None`` by default,
which means "left out": the SQL function's own default applies (documented in its signature
and the README), and the server validates every value. Nothing is ranked, filtered or
re-ordered here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterable, Mapping, Protocol, Sequence

from pgrec_client import calls
from pgrec_client.models import (Achievement, Assignment, Claim, Consent, Difficulty, Erasure, EventPage, Explanation,
                                 Follow, Item, LearningPath, PathProgress, PathStep, Profile, ProfileVersion, Question,
                                 RankedItem, RecommendationType, Strategy, UserExport, UserStats, UserStatus)

__all__ = ["Client", "AsyncClient"]

#: Page size of the events ``export_user`` collects over SQL (the HTTP API streams them).
EXPORT_PAGE = 1000

Batch = Iterable[Mapping[str, Any]]
#: A content filter (the same grammar on every list): ``{"tags_any": [...], "tags_all": [...],
#: "tags_none": [...], "attributes": {"level": {"lte": 3}}, "price": {"lt": 50}}``.
Filter = Mapping[str, Any]
Window = str | timedelta


class SyncTransport(Protocol):
    def run(self, call: calls.Call, args: dict[str, Any]) -> Any: ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    async def run(self, call: calls.Call, args: dict[str, Any]) -> Any: ...

    async def close(self) -> None: ...


def _ranked(rows: list[Mapping[str, Any]]) -> list[RankedItem]:
    return [RankedItem.from_row(r) for r in rows]


def _filter(value: Filter | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)


def _ids(values: Iterable[str]) -> list[str]:
    if isinstance(values, str):  # a lone id would be sent as an array of its characters
        raise TypeError("pass a list, not a single string")
    return list(values)


def _export(document: Mapping[str, Any], pages: Iterable[list[dict[str, Any]]]) -> UserExport:
    # The HTTP API streams the events inside the document; over SQL they come page by page.
    events = list(document["events"]) if "events" in document else [e for page in pages for e in page]
    return UserExport.from_value(document, events)


class Client:
    """pgrec from a host application, over SQL or HTTP::

        rec = Client.sql(pool)                                    # psycopg Connection or ConnectionPool
        rec = Client.http("http://127.0.0.1:8000", api_key=KEY)    # pgrec serve
        for item in rec.feed("u1", n=10):
            print(item.item_id, item.score, item.reasons)

    Errors are :class:`~pgrec_client.errors.PgrecError` subclasses, the same for both."""

    def __init__(self, transport: SyncTransport) -> None:
        self.transport = transport

    @classmethod
    def sql(cls, source: Any) -> Client:
        """Over SQL, on a ``psycopg.Connection`` (calls run in its transaction) or a
        ``psycopg_pool.ConnectionPool`` (one pooled connection per call)."""
        from pgrec_client.sql import SqlTransport

        return cls(SqlTransport(source))

    @classmethod
    def http(cls, base_url: str | None = None, api_key: str | None = None, *, client: Any = None,
             timeout: float = 10.0) -> Client:
        """Over HTTP, to ``pgrec serve`` at ``base_url`` with an API key (``pgrec keys create``),
        or through an ``httpx.Client`` of your own (its base URL, proxies, retries)."""
        from pgrec_client.http import HttpTransport

        return cls(HttpTransport(base_url, api_key, client=client, timeout=timeout))

    def close(self) -> None:
        """Close the HTTP client this object made (a connection, pool or httpx client you
        passed in stays open)."""
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, call: calls.Call, **args: Any) -> Any:
        return self.transport.run(call, args)

    # --- writes -----------------------------------------------------------------------------

    def upsert_items(self, items: Batch) -> int:
        """``rec.upsert_items``: create or update items (at most 10,000); returns rows written.
        Keys left out keep their stored values; the batch is validated whole."""
        return self._run(calls.UPSERT_ITEMS, items=list(items))

    def upsert_users(self, users: Batch) -> int:
        """``rec.upsert_users``: create or update users and their preferences; returns rows written."""
        return self._run(calls.UPSERT_USERS, users=list(users))

    def track(self, events: Batch) -> int:
        """``rec.track``: record events ``{event_id?, user_id, item_id, type, value?, at?,
        context?}``; returns how many were new (a repeated ``event_id`` is skipped)."""
        return self._run(calls.TRACK, events=list(events))

    def submit_onboarding(self, user_id: str, answers: Mapping[str, str | Sequence[str]]) -> int:
        """``rec.submit_onboarding``: answers ``{question_id: option id or [ids]}`` become tag
        preferences; returns the preferences written."""
        return self._run(calls.SUBMIT_ONBOARDING, user_id=user_id, answers=dict(answers))

    def follow(self, follows: Batch) -> int:
        """``rec.follow``: ``{user_id, creator_id, at?}`` follows; returns how many began (following
        again changes nothing)."""
        return self._run(calls.FOLLOW, follows=list(follows))

    def unfollow(self, follows: Batch) -> int:
        """``rec.unfollow``: ``{user_id, creator_id, at?}``; returns how many follows ended."""
        return self._run(calls.UNFOLLOW, follows=list(follows))

    # --- lists ------------------------------------------------------------------------------

    def feed(self, user_id: str, *, n: int | None = None, offset: int | None = None, strategy: str | None = None,
             weights: Mapping[str, float] | None = None, type: str | None = None,
             filter: Filter | None = None, exclusion_policy: str | None = None) -> list[RankedItem]:
        """``rec.feed``: the user's "For You" list, best first; ``exclusion_policy`` (e.g.
        ``unapplied``) replaces the strategy's for this call."""
        return _ranked(self._run(calls.FEED, user_id=user_id, n=n, offset=offset, strategy=strategy,
                                 weights=None if weights is None else dict(weights), type=type, filter=_filter(filter),
                                 exclusion_policy=exclusion_policy))

    def trending(self, *, n: int | None = None, offset: int | None = None, window: Window | None = None,
                 user_id: str | None = None, tags: Sequence[str] | None = None,
                 strategy: str | None = None, filter: Filter | None = None) -> list[RankedItem]:
        """``rec.trending``: engagement velocity in ``window`` (default 24 hours)."""
        return _ranked(self._run(calls.TRENDING, n=n, offset=offset, window=window, user_id=user_id,
                                 tags=None if tags is None else _ids(tags), strategy=strategy,
                                 filter=_filter(filter)))

    def latest(self, *, n: int | None = None, offset: int | None = None, tags: Sequence[str] | None = None,
               strategy: str | None = None, user_id: str | None = None,
               filter: Filter | None = None) -> list[RankedItem]:
        """``rec.latest``: newest first (with a personal strategy such as ``explore_new`` and a
        user, followed creators and interests a few days ahead)."""
        return _ranked(self._run(calls.LATEST, n=n, offset=offset, tags=None if tags is None else _ids(tags),
                                 strategy=strategy, user_id=user_id, filter=_filter(filter)))

    def similar_items(self, item_id: str, *, n: int | None = None, user_id: str | None = None,
                      strategy: str | None = None, filter: Filter | None = None) -> list[RankedItem]:
        """``rec.similar_items``: items like ``item_id`` (``NotFound`` for an unknown item)."""
        return _ranked(self._run(calls.SIMILAR_ITEMS, item_id=item_id, n=n, user_id=user_id, strategy=strategy,
                                 filter=_filter(filter)))

    def nearby(self, lat: float, lon: float, *, radius_km: float | None = None, n: int | None = None,
               user_id: str | None = None, strategy: str | None = None,
               filter: Filter | None = None) -> list[RankedItem]:
        """``rec.nearby``: live items within ``radius_km`` of the point."""
        return _ranked(self._run(calls.NEARBY, lat=lat, lon=lon, radius_km=radius_km, n=n, user_id=user_id,
                                 strategy=strategy, filter=_filter(filter)))

    def search(self, query: str, *, n: int | None = None, user_id: str | None = None,
               query_embedding: Sequence[float] | None = None, strategy: str | None = None,
               expand: bool | None = None, filter: Filter | None = None) -> list[RankedItem]:
        """``rec.search``: hybrid keyword and vector search. Over HTTP the API embeds the query
        itself, so ``query_embedding`` is SQL only (``NotSupported`` over HTTP). ``expand=True``
        adds the user's strongest interests to the query (``raw["query_expansion"]`` says which)."""
        return _ranked(self._run(calls.SEARCH, query=query, n=n, user_id=user_id, query_embedding=query_embedding,
                                 strategy=strategy, expand=expand, filter=_filter(filter)))

    def next_items(self, user_id: str, *, n: int | None = None, strategy: str | None = None,
                   filter: Filter | None = None) -> list[RankedItem]:
        """``rec.next_items``: what to do next after the user's latest items (empty without history)."""
        return _ranked(self._run(calls.NEXT_ITEMS, user_id=user_id, n=n, strategy=strategy,
                                 filter=_filter(filter)))

    def session_feed(self, item_ids: Sequence[str], *, n: int | None = None,
                     strategy: str | None = None, filter: Filter | None = None) -> list[RankedItem]:
        """``rec.session_feed``: for an anonymous visitor, from the items viewed this session."""
        return _ranked(self._run(calls.SESSION_FEED, item_ids=_ids(item_ids), n=n, strategy=strategy,
                                 filter=_filter(filter)))

    def learning_path(self, user_id: str, item_ids: Sequence[str]) -> list[PathStep]:
        """``rec.learning_path``: the items in an order that respects prerequisites and progress."""
        return [PathStep.from_row(r) for r in self._run(calls.LEARNING_PATH, user_id=user_id,
                                                        item_ids=_ids(item_ids))]

    def rank(self, user_id: str | None, item_ids: Sequence[str], *, strategy: str | None = None,
             filter: Filter | None = None) -> list[RankedItem]:
        """``rec.rank``: your own candidates (at most 1,000 ids) ordered for the user, best first;
        then, with score ``None`` and ``raw["excluded"]``, the items that may not be listed and
        the unknown ids (``raw["unknown"]``). ``user_id`` None ranks for a visitor (SQL only)."""
        return _ranked(self._run(calls.RANK, user_id=user_id, item_ids=_ids(item_ids), strategy=strategy,
                                 filter=_filter(filter)))

    # --- profiles, consent, learning ----------------------------------------------------------

    def profile(self, user_id: str) -> Profile:
        """``rec.profile``: interests with confidence and source, preferences, consents, counts
        and the profile version."""
        return Profile.from_value(self._run(calls.PROFILE, user_id=user_id))

    def profile_history(self, user_id: str, *, n: int | None = None, before: int | None = None) -> list[ProfileVersion]:
        """``rec.profile_history``: the profile's versions newest first (``before``: page on)."""
        return [ProfileVersion.from_row(r) for r in self._run(calls.PROFILE_HISTORY, user_id=user_id, n=n,
                                                               before=before)]

    def recommendation_types(self) -> list[RecommendationType]:
        """``rec.recommendation_types``: what ``feed(user, type=...)`` selects."""
        return [RecommendationType.from_row(r) for r in self._run(calls.RECOMMENDATION_TYPES)]

    def upsert_consents(self, consents: Batch) -> int:
        """``rec.upsert_consents``: answers ``{user_id, purpose, granted, at?}``; returns how many
        changed a consent."""
        return self._run(calls.UPSERT_CONSENTS, consents=list(consents))

    def consents(self, user_id: str) -> list[Consent]:
        """``rec.consents``: the user's consent per purpose (the default where they did not answer)."""
        return [Consent.from_row(r) for r in self._run(calls.CONSENTS, user_id=user_id)]

    def upsert_paths(self, paths: Batch) -> int:
        """``rec.upsert_paths``: learning paths ``{id, title?, description?, attributes?, modules}``;
        returns paths written."""
        return self._run(calls.UPSERT_PATHS, paths=list(paths))

    def paths(self) -> list[LearningPath]:
        """``rec.paths``: every learning path and its modules in order."""
        return [LearningPath.from_row(r) for r in self._run(calls.PATHS)]

    def path_progress(self, user_id: str, path_id: str) -> PathProgress:
        """``rec.path_progress``: the learner's modules, progress and next lessons on a path."""
        return PathProgress.from_value(self._run(calls.PATH_PROGRESS, user_id=user_id, path_id=path_id))

    def recommended_difficulty(self, user_id: str) -> Difficulty:
        """``rec.recommended_difficulty``: the level to offer the learner next and why."""
        return Difficulty.from_value(self._run(calls.RECOMMENDED_DIFFICULTY, user_id=user_id))

    def achievements(self, user_id: str) -> list[Achievement]:
        """``rec.achievements``: progress toward each achievement, unlocked and claimed."""
        return [Achievement.from_row(r) for r in self._run(calls.ACHIEVEMENTS, user_id=user_id)]

    def claim_achievement(self, user_id: str, achievement: str) -> Claim:
        """``rec.claim_achievement``: record the claim of an unlocked achievement (``InvalidInput``
        while locked, ``NotFound`` for an unknown one)."""
        return Claim.from_value(self._run(calls.CLAIM_ACHIEVEMENT, user_id=user_id, achievement=achievement))

    # --- about users and items --------------------------------------------------------------

    def explain(self, user_id: str, item_id: str, *, strategy: str | None = None) -> Explanation:
        """``rec.explain``: eligibility, rank, weights, signals and terms of one item for one user."""
        return Explanation.from_value(self._run(calls.EXPLAIN, user_id=user_id, item_id=item_id, strategy=strategy))

    def status(self, user_id: str) -> UserStatus:
        """``rec.status``: counts, whether the feed personalises, whether onboarding is needed."""
        return UserStatus.from_value(self._run(calls.STATUS, user_id=user_id))

    def user_stats(self, user_id: str) -> UserStats:
        """``rec.user_stats``: events by type, active days and streaks."""
        return UserStats.from_row(self._run(calls.USER_STATS, user_id=user_id)[0])

    def items(self, item_ids: Sequence[str]) -> list[Item]:
        """``rec.items``: stored fields of up to 1,000 items, in the order asked; unknown ids
        are left out."""
        return [Item.from_row(r) for r in self._run(calls.ITEMS, item_ids=_ids(item_ids))]

    def onboarding_questions(self, *, questionnaire: str | None = None) -> list[Question]:
        """``rec.onboarding_questions``: what to ask a new user (``questionnaire``: a product's own
        quiz, e.g. ``explore``)."""
        return [Question.from_row(r) for r in self._run(calls.ONBOARDING_QUESTIONS, questionnaire=questionnaire)]

    def following(self, user_id: str) -> list[Follow]:
        """``rec.following``: the creators the user follows now, the latest follow first."""
        return [Follow.from_row(r) for r in self._run(calls.FOLLOWING, user_id=user_id)]

    def strategies(self) -> list[Strategy]:
        """``rec.strategies``: every strategy, its list, weights and parameters."""
        return [Strategy.from_row(r) for r in self._run(calls.STRATEGIES)]

    # --- privacy ----------------------------------------------------------------------------

    def forget_user(self, user_id: str, *, items: str | None = None) -> Erasure:
        """``rec.forget_user``: erase everything about the user; ``items`` says what happens to
        the items they created (``anonymize``, the default, ``delete`` or ``keep``)."""
        return Erasure.from_value(self._run(calls.FORGET_USER, user_id=user_id, items=items))

    def export_user(self, user_id: str) -> UserExport:
        """``rec.export_user`` with every event (``rec.export_user_events``, page by page)."""
        document = self._run(calls.EXPORT_USER, user_id=user_id)
        return _export(document, () if "events" in document else self._event_pages(user_id))

    def export_user_events(self, user_id: str, *, after: int | None = None, n: int | None = None) -> EventPage:
        """``rec.export_user_events``: one page of the user's events after the cursor ``after``."""
        return EventPage.from_rows(self._run(calls.EXPORT_USER_EVENTS, user_id=user_id, after=after, n=n))

    # --- experiments ------------------------------------------------------------------------

    def experiment_variant(self, experiment: str, user_id: str) -> Assignment:
        """``rec.experiment_variant``: the user's variant of an A/B experiment (``NotFound`` for
        an unknown experiment)."""
        return Assignment.from_row(self._run(calls.EXPERIMENT_VARIANT, experiment=experiment, user_id=user_id)[0])

    def log_impressions(self, request_id: str, user_id: str, items: Sequence[str], *, experiment: str | None = None,
                        variant: str | None = None, strategy: str | None = None) -> int:
        """``rec.log_impressions``: record the page shown to the user (``items`` in the order
        shown) under ``request_id``; returns the impressions stored (a retry stores none)."""
        return self._run(calls.LOG_IMPRESSIONS, request_id=request_id, user_id=user_id, items=_ids(items),
                         experiment=experiment, variant=variant, strategy=strategy)

    def _event_pages(self, user_id: str) -> Iterable[list[dict[str, Any]]]:
        after = 0
        while (page := self.export_user_events(user_id, after=after, n=EXPORT_PAGE)).after is not None:
            yield page.events
            after = page.after


class AsyncClient:
    """The same verbs as :class:`Client`, awaited: ``AsyncClient.sql(async_pool)`` or
    ``AsyncClient.http(base_url, api_key)``."""

    def __init__(self, transport: AsyncTransport) -> None:
        self.transport = transport

    @classmethod
    def sql(cls, source: Any) -> AsyncClient:
        """Over SQL, on a ``psycopg.AsyncConnection`` or a ``psycopg_pool.AsyncConnectionPool``."""
        from pgrec_client.sql import AsyncSqlTransport

        return cls(AsyncSqlTransport(source))

    @classmethod
    def http(cls, base_url: str | None = None, api_key: str | None = None, *, client: Any = None,
             timeout: float = 10.0) -> AsyncClient:
        """Over HTTP with an ``httpx.AsyncClient`` (made here, or yours)."""
        from pgrec_client.http import AsyncHttpTransport

        return cls(AsyncHttpTransport(base_url, api_key, client=client, timeout=timeout))

    async def close(self) -> None:
        await self.transport.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _run(self, call: calls.Call, **args: Any) -> Any:
        return await self.transport.run(call, args)

    async def upsert_items(self, items: Batch) -> int:
        """See :meth:`Client.upsert_items`."""
        return await self._run(calls.UPSERT_ITEMS, items=list(items))

    async def upsert_users(self, users: Batch) -> int:
        """See :meth:`Client.upsert_users`."""
        return await self._run(calls.UPSERT_USERS, users=list(users))

    async def track(self, events: Batch) -> int:
        """See :meth:`Client.track`."""
        return await self._run(calls.TRACK, events=list(events))

    async def submit_onboarding(self, user_id: str, answers: Mapping[str, str | Sequence[str]]) -> int:
        """See :meth:`Client.submit_onboarding`."""
        return await self._run(calls.SUBMIT_ONBOARDING, user_id=user_id, answers=dict(answers))

    async def follow(self, follows: Batch) -> int:
        """See :meth:`Client.follow`."""
        return await self._run(calls.FOLLOW, follows=list(follows))

    async def unfollow(self, follows: Batch) -> int:
        """See :meth:`Client.unfollow`."""
        return await self._run(calls.UNFOLLOW, follows=list(follows))

    async def feed(self, user_id: str, *, n: int | None = None, offset: int | None = None,
                   strategy: str | None = None, weights: Mapping[str, float] | None = None, type: str | None = None,
                   filter: Filter | None = None, exclusion_policy: str | None = None) -> list[RankedItem]:
        """See :meth:`Client.feed`."""
        return _ranked(await self._run(calls.FEED, user_id=user_id, n=n, offset=offset, strategy=strategy,
                                       weights=None if weights is None else dict(weights), type=type,
                                       filter=_filter(filter), exclusion_policy=exclusion_policy))

    async def trending(self, *, n: int | None = None, offset: int | None = None, window: Window | None = None,
                       user_id: str | None = None, tags: Sequence[str] | None = None,
                       strategy: str | None = None, filter: Filter | None = None) -> list[RankedItem]:
        """See :meth:`Client.trending`."""
        return _ranked(await self._run(calls.TRENDING, n=n, offset=offset, window=window, user_id=user_id,
                                       tags=None if tags is None else _ids(tags), strategy=strategy,
                                 filter=_filter(filter)))

    async def latest(self, *, n: int | None = None, offset: int | None = None, tags: Sequence[str] | None = None,
                     strategy: str | None = None, user_id: str | None = None,
                     filter: Filter | None = None) -> list[RankedItem]:
        """See :meth:`Client.latest`."""
        return _ranked(await self._run(calls.LATEST, n=n, offset=offset, tags=None if tags is None else _ids(tags),
                                       strategy=strategy, user_id=user_id, filter=_filter(filter)))

    async def similar_items(self, item_id: str, *, n: int | None = None, user_id: str | None = None,
                            strategy: str | None = None, filter: Filter | None = None) -> list[RankedItem]:
        """See :meth:`Client.similar_items`."""
        return _ranked(await self._run(calls.SIMILAR_ITEMS, item_id=item_id, n=n, user_id=user_id,
                                       strategy=strategy, filter=_filter(filter)))

    async def nearby(self, lat: float, lon: float, *, radius_km: float | None = None, n: int | None = None,
                     user_id: str | None = None, strategy: str | None = None,
                     filter: Filter | None = None) -> list[RankedItem]:
        """See :meth:`Client.nearby`."""
        return _ranked(await self._run(calls.NEARBY, lat=lat, lon=lon, radius_km=radius_km, n=n, user_id=user_id,
                                       strategy=strategy, filter=_filter(filter)))

    async def search(self, query: str, *, n: int | None = None, user_id: str | None = None,
                     query_embedding: Sequence[float] | None = None,
                     strategy: str | None = None, expand: bool | None = None,
                     filter: Filter | None = None) -> list[RankedItem]:
        """See :meth:`Client.search`."""
        return _ranked(await self._run(calls.SEARCH, query=query, n=n, user_id=user_id,
                                       query_embedding=query_embedding, strategy=strategy, expand=expand,
                                       filter=_filter(filter)))

    async def next_items(self, user_id: str, *, n: int | None = None,
                         strategy: str | None = None, filter: Filter | None = None) -> list[RankedItem]:
        """See :meth:`Client.next_items`."""
        return _ranked(await self._run(calls.NEXT_ITEMS, user_id=user_id, n=n, strategy=strategy,
                                 filter=_filter(filter)))

    async def session_feed(self, item_ids: Sequence[str], *, n: int | None = None,
                           strategy: str | None = None, filter: Filter | None = None) -> list[RankedItem]:
        """See :meth:`Client.session_feed`."""
        return _ranked(await self._run(calls.SESSION_FEED, item_ids=_ids(item_ids), n=n, strategy=strategy,
                                 filter=_filter(filter)))

    async def learning_path(self, user_id: str, item_ids: Sequence[str]) -> list[PathStep]:
        """See :meth:`Client.learning_path`."""
        return [PathStep.from_row(r) for r in await self._run(calls.LEARNING_PATH, user_id=user_id,
                                                              item_ids=_ids(item_ids))]

    async def rank(self, user_id: str | None, item_ids: Sequence[str], *, strategy: str | None = None,
                   filter: Filter | None = None) -> list[RankedItem]:
        """See :meth:`Client.rank`."""
        return _ranked(await self._run(calls.RANK, user_id=user_id, item_ids=_ids(item_ids), strategy=strategy,
                                       filter=_filter(filter)))

    async def profile(self, user_id: str) -> Profile:
        """See :meth:`Client.profile`."""
        return Profile.from_value(await self._run(calls.PROFILE, user_id=user_id))

    async def profile_history(self, user_id: str, *, n: int | None = None,
                              before: int | None = None) -> list[ProfileVersion]:
        """See :meth:`Client.profile_history`."""
        return [ProfileVersion.from_row(r) for r in await self._run(calls.PROFILE_HISTORY, user_id=user_id, n=n,
                                                                     before=before)]

    async def recommendation_types(self) -> list[RecommendationType]:
        """See :meth:`Client.recommendation_types`."""
        return [RecommendationType.from_row(r) for r in await self._run(calls.RECOMMENDATION_TYPES)]

    async def upsert_consents(self, consents: Batch) -> int:
        """See :meth:`Client.upsert_consents`."""
        return await self._run(calls.UPSERT_CONSENTS, consents=list(consents))

    async def consents(self, user_id: str) -> list[Consent]:
        """See :meth:`Client.consents`."""
        return [Consent.from_row(r) for r in await self._run(calls.CONSENTS, user_id=user_id)]

    async def upsert_paths(self, paths: Batch) -> int:
        """See :meth:`Client.upsert_paths`."""
        return await self._run(calls.UPSERT_PATHS, paths=list(paths))

    async def paths(self) -> list[LearningPath]:
        """See :meth:`Client.paths`."""
        return [LearningPath.from_row(r) for r in await self._run(calls.PATHS)]

    async def path_progress(self, user_id: str, path_id: str) -> PathProgress:
        """See :meth:`Client.path_progress`."""
        return PathProgress.from_value(await self._run(calls.PATH_PROGRESS, user_id=user_id, path_id=path_id))

    async def recommended_difficulty(self, user_id: str) -> Difficulty:
        """See :meth:`Client.recommended_difficulty`."""
        return Difficulty.from_value(await self._run(calls.RECOMMENDED_DIFFICULTY, user_id=user_id))

    async def achievements(self, user_id: str) -> list[Achievement]:
        """See :meth:`Client.achievements`."""
        return [Achievement.from_row(r) for r in await self._run(calls.ACHIEVEMENTS, user_id=user_id)]

    async def claim_achievement(self, user_id: str, achievement: str) -> Claim:
        """See :meth:`Client.claim_achievement`."""
        return Claim.from_value(await self._run(calls.CLAIM_ACHIEVEMENT, user_id=user_id, achievement=achievement))

    async def explain(self, user_id: str, item_id: str, *, strategy: str | None = None) -> Explanation:
        """See :meth:`Client.explain`."""
        return Explanation.from_value(await self._run(calls.EXPLAIN, user_id=user_id, item_id=item_id,
                                                      strategy=strategy))

    async def status(self, user_id: str) -> UserStatus:
        """See :meth:`Client.status`."""
        return UserStatus.from_value(await self._run(calls.STATUS, user_id=user_id))

    async def user_stats(self, user_id: str) -> UserStats:
        """See :meth:`Client.user_stats`."""
        return UserStats.from_row((await self._run(calls.USER_STATS, user_id=user_id))[0])

    async def items(self, item_ids: Sequence[str]) -> list[Item]:
        """See :meth:`Client.items`."""
        return [Item.from_row(r) for r in await self._run(calls.ITEMS, item_ids=_ids(item_ids))]

    async def onboarding_questions(self, *, questionnaire: str | None = None) -> list[Question]:
        """See :meth:`Client.onboarding_questions`."""
        return [Question.from_row(r) for r in await self._run(calls.ONBOARDING_QUESTIONS, questionnaire=questionnaire)]

    async def following(self, user_id: str) -> list[Follow]:
        """See :meth:`Client.following`."""
        return [Follow.from_row(r) for r in await self._run(calls.FOLLOWING, user_id=user_id)]

    async def strategies(self) -> list[Strategy]:
        """See :meth:`Client.strategies`."""
        return [Strategy.from_row(r) for r in await self._run(calls.STRATEGIES)]

    async def forget_user(self, user_id: str, *, items: str | None = None) -> Erasure:
        """See :meth:`Client.forget_user`."""
        return Erasure.from_value(await self._run(calls.FORGET_USER, user_id=user_id, items=items))

    async def export_user(self, user_id: str) -> UserExport:
        """See :meth:`Client.export_user`."""
        document = await self._run(calls.EXPORT_USER, user_id=user_id)
        pages: list[list[dict[str, Any]]] = []
        if "events" not in document:
            after = 0
            while (page := await self.export_user_events(user_id, after=after, n=EXPORT_PAGE)).after is not None:
                pages.append(page.events)
                after = page.after
        return _export(document, pages)

    async def export_user_events(self, user_id: str, *, after: int | None = None,
                                 n: int | None = None) -> EventPage:
        """See :meth:`Client.export_user_events`."""
        return EventPage.from_rows(await self._run(calls.EXPORT_USER_EVENTS, user_id=user_id, after=after, n=n))

    async def experiment_variant(self, experiment: str, user_id: str) -> Assignment:
        """See :meth:`Client.experiment_variant`."""
        return Assignment.from_row((await self._run(calls.EXPERIMENT_VARIANT, experiment=experiment,
                                                    user_id=user_id))[0])

    async def log_impressions(self, request_id: str, user_id: str, items: Sequence[str], *,
                              experiment: str | None = None, variant: str | None = None,
                              strategy: str | None = None) -> int:
        """See :meth:`Client.log_impressions`."""
        return await self._run(calls.LOG_IMPRESSIONS, request_id=request_id, user_id=user_id, items=_ids(items),
                               experiment=experiment, variant=variant, strategy=strategy)
