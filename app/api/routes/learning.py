"""Learning: paths, a learner's progress, adaptive difficulty and achievements. Reads are scope
``read``; writing paths and claiming an achievement are scope ``write``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, get, post, put
from litestar.params import Body, Parameter
from msgspec import Meta, Struct
from psycopg.types.json import Jsonb

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, USER_ID, example, rows, value
from app.api.routes.writes import Written

READ = [requires("read")]
WRITE = [requires("write")]

PATH_ID = Annotated[str, Parameter(description="A learning path's id.", examples=example("path-python"))]

PathsBody = Annotated[list[dict[str, Any]], Body(
    description="Learning paths to create or update (at most 1,000): {id, title?, description?, attributes?, "
                "modules: [item id | {id, prerequisites: [item ids]}]} in path order.",
    schema_extra={"examples": [[{"id": "path-python", "title": "Python from zero",
                                 "modules": ["py-basics", {"id": "py-web", "prerequisites": ["py-basics"]}]}]]})]


@put("/paths", guards=WRITE, sync_to_thread=True, summary="Create or update learning paths", responses=ERRORS)
def upsert_paths(request: Request, data: PathsBody) -> Written:
    """rec.upsert_paths: validated whole; an unknown module is 404 naming paths[i].modules[j]."""
    return Written(value(request, q.UPSERT_PATHS, {"paths": Jsonb(data)}))


class LearningPath(Struct):
    path_id: Annotated[str, Meta(examples=["path-python"])]
    title: Annotated[str | None, Meta(examples=["Python from zero"])]
    description: Annotated[str | None, Meta(examples=[None])]
    attributes: Annotated[dict[str, Any], Meta(examples=[{}])]
    modules: Annotated[list[str], Meta(description="Module item ids in path order.", examples=[["py-basics", "py-web"]])]
    updated_at: Annotated[datetime, Meta(examples=["2026-12-01T18:40:00Z"])]


class LearningPaths(Struct):
    paths: list[LearningPath]


@get("/paths", guards=READ, sync_to_thread=True, summary="Learning paths", responses=ERRORS)
def paths(request: Request) -> LearningPaths:
    """rec.paths: every learning path and its modules in order."""
    return LearningPaths([LearningPath(**{**r, "attributes": r["attributes"] or {}, "modules": r["modules"] or []})
                          for r in rows(request, q.PATHS, {})])


@get("/users/{user_id:str}/paths/{path_id:str}/progress", guards=READ, sync_to_thread=True,
     summary="A learner's progress through a path", responses=ERRORS)
def path_progress(request: Request, user_id: USER_ID, path_id: PATH_ID) -> dict[str, Any]:
    """rec.path_progress: each module's status (completed, in_progress, ready, locked) and score,
    progress, the next module and lessons by the learner's pace, minutes and days left."""
    return value(request, q.PATH_PROGRESS, {"user_id": user_id, "path_id": path_id})


@get("/users/{user_id:str}/difficulty", guards=READ, sync_to_thread=True, summary="Recommended difficulty",
     responses=ERRORS)
def recommended_difficulty(request: Request, user_id: USER_ID) -> dict[str, Any]:
    """rec.recommended_difficulty: the level to offer next, its basis and the recent evidence."""
    return value(request, q.RECOMMENDED_DIFFICULTY, {"user_id": user_id})


class Achievement(Struct):
    achievement: Annotated[str, Meta(examples=["streak_7"])]
    title: Annotated[str | None, Meta(examples=["A week of study"])]
    description: Annotated[str | None, Meta(examples=["Study seven days in a row."])]
    kind: Annotated[str, Meta(description="completions, streak_days, mastery or events.", examples=["streak_days"])]
    target: Annotated[int, Meta(examples=[7])]
    progress: Annotated[int, Meta(description="Toward target (at most target).", examples=[4])]
    unlocked: Annotated[bool, Meta(examples=[False])]
    unlocked_at: Annotated[datetime | None, Meta(examples=[None])]
    claimed_at: Annotated[datetime | None, Meta(examples=[None])]
    details: Annotated[dict[str, Any] | None, Meta(examples=[None])] = None


class Achievements(Struct):
    achievements: list[Achievement]


@get("/users/{user_id:str}/achievements", guards=READ, sync_to_thread=True, summary="A user's achievements",
     responses=ERRORS)
def achievements(request: Request, user_id: USER_ID) -> Achievements:
    """rec.achievements: progress toward each achievement, computed from events, and claims."""
    return Achievements([Achievement(**r) for r in rows(request, q.ACHIEVEMENTS, {"user_id": user_id})])


@post("/users/{user_id:str}/achievements/{achievement:str}/claim", guards=WRITE, sync_to_thread=True,
      status_code=200, summary="Claim an unlocked achievement", responses=ERRORS)
def claim_achievement(request: Request, user_id: USER_ID,
                      achievement: Annotated[str, Parameter(description="The achievement's name.",
                                                            examples=example("first_lesson"))]) -> dict[str, Any]:
    """rec.claim_achievement: records the claim (claimed true), or returns the first claim
    (claimed false); a locked achievement is 422, an unknown one 404."""
    return value(request, q.CLAIM_ACHIEVEMENT, {"user_id": user_id, "achievement": achievement})


ROUTES = [upsert_paths, paths, path_progress, recommended_difficulty, achievements, claim_achievement]
