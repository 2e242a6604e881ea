"""A domain-agnostic personalisation layer on pgrec: the calls a content site's back end makes.

    .venv/bin/pgrec demo --app profiles --items 600 --users 300 --events 20000
    DATABASE_URL=$(.venv/bin/pgrec db url) .venv/bin/python -m examples.profiles.personalization visitor7 japanese

The site keeps its own search engine and category pages; pgrec keeps the profile. The site sends
feedback as it happens — explicit (thumbs up and down, stars) and implicit (a click, the dwell
time and scroll depth of a view) — and asks pgrec to order whatever list it is about to show.
How feedback moves the profile (a view under 5 seconds is a bounce, older feedback decays) is
rows a DBA edits (pgrec.feedback_rules, pgrec.profile_settings), not code here.
"""

from __future__ import annotations

import os
import sys
from typing import Sequence

import psycopg

from pgrec_client import Client, Profile, ProfileVersion, RankedItem


class Personalization:
    """The site's personalisation calls, over a pgrec client (SQL or HTTP)."""

    def __init__(self, rec: Client) -> None:
        self.rec = rec

    def declare_interests(self, visitor: str, tags: dict[str, float]) -> None:
        self.rec.upsert_users([{"id": visitor, "preferences": {"preferred_tags": dict(tags)}}])

    def clicked(self, visitor: str, item: str, *, source: str, position: int) -> None:
        self.rec.track([{"user_id": visitor, "item_id": item, "type": "click",
                         "context": {"source": source, "position": position}}])

    def viewed(self, visitor: str, item: str, *, seconds: float, scroll_depth: float) -> None:
        """A page view: the dwell time as value, the scroll depth in context (the rules map them)."""
        self.rec.track([{"user_id": visitor, "item_id": item, "type": "view", "value": seconds,
                         "context": {"scroll_depth": scroll_depth}}])

    def thumbs(self, visitor: str, item: str, up: bool) -> None:
        self.rec.track([{"user_id": visitor, "item_id": item, "type": "like" if up else "dismiss"}])

    def stars(self, visitor: str, item: str, stars: float) -> None:
        self.rec.track([{"user_id": visitor, "item_id": item, "type": "rate", "value": stars}])

    def order(self, visitor: str, candidates: Sequence[str]) -> tuple[list[RankedItem], list[str]]:
        """The site's own list ordered for the visitor, and the ids pgrec does not know (stale
        entries of the site's index: reported, the page still renders)."""
        rows = self.rec.rank(visitor, candidates)
        return ([r for r in rows if r.score is not None],
                [r.item_id for r in rows if r.score is None and r.raw.get("unknown")])

    def search(self, visitor: str, query: str, n: int = 10) -> tuple[list[RankedItem], list[str]]:
        """Search expanded with the visitor's strongest interests, and the terms it added."""
        rows = self.rec.search(query, n=n, user_id=visitor, expand=True)
        added = (rows[0].raw.get("query_expansion") or {}).get("added", []) if rows else []
        return rows, list(added)

    def about_me(self, visitor: str) -> tuple[Profile, list[ProfileVersion]]:
        """The "why am I seeing this" page: the profile and how it got there."""
        return self.rec.profile(visitor), self.rec.profile_history(visitor, n=10)


def main(argv: list[str]) -> int:
    visitor, query = (argv + ["visitor1", "japanese"])[:2]
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        site = Personalization(Client.sql(conn))
        profile, history = site.about_me(visitor)
        print(f"{visitor}: profile version {profile.version}")
        for interest in profile.interests[:5]:
            print(f"  {interest.tag:<28} {interest.confidence:.2f} ({interest.source})")
        rows, added = site.search(visitor, query, n=5)
        print(f"search {query!r}, expanded with {added}: {', '.join(r.item_id for r in rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
