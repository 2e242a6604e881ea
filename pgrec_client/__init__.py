"""pgrec from Python: a typed client for host applications.

The same verbs over SQL (psycopg 3, a connection or a pool, sync or async) and over HTTP
(httpx, ``pip install 'pgrec[client]'``), returning dataclasses and raising one exception
hierarchy; ``pgrec_client.sqlalchemy`` makes the list functions table-valued functions that
join with a host app's own tables. See docs/client.md.

    from pgrec_client import Client, NotFound

    rec = Client.sql(pool)
    rec.track([{"user_id": "u1", "item_id": "i42", "type": "like"}])
    for item in rec.feed("u1", n=10):
        print(item.item_id, item.score, item.reasons)
"""

from pgrec_client.client import AsyncClient, Client
from pgrec_client.errors import (Conflict, Forbidden, InvalidInput, NotFound, NotSupported, PgrecError, RateLimited,
                                 ServerError, Timeout, Unauthorized, Unavailable)
from pgrec_client.models import (Achievement, Assignment, Claim, Consent, Difficulty, Erasure, EventPage, Explanation,
                                 Follow, Interest, Item, LearningPath, Location, Option, PathProgress, PathStep, Profile,
                                 ProfileVersion, Question, RankedItem, RecommendationType, Strategy, UserExport,
                                 UserStats, UserStatus)

__all__ = [
    "Client", "AsyncClient",
    "PgrecError", "InvalidInput", "NotFound", "Conflict", "Unauthorized", "Forbidden", "RateLimited", "Timeout",
    "Unavailable", "NotSupported", "ServerError",
    "RankedItem", "PathStep", "Item", "Location", "Explanation", "UserStatus", "UserStats", "Question", "Option",
    "Strategy", "Erasure", "UserExport", "EventPage", "Assignment", "RecommendationType", "Interest", "Profile",
    "ProfileVersion", "Consent", "LearningPath", "PathProgress", "Difficulty", "Achievement", "Claim", "Follow",
]
