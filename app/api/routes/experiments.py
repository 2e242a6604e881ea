"""A/B experiments of the feed: their design, end and report (scope ``admin``), a user's
assignment (scope ``read``, for an application that decides more than the feed's strategy by
it) and the pages an application showed (scope ``write``). Feeds take part with
``GET /v1/users/{user_id}/feed?strategy=experiment:NAME``, which logs its own impressions; a
client that shows pages it got otherwise (its own cache, a list it re-ranked) logs them with
``POST /v1/impressions``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post, put
from litestar.exceptions import ValidationException
from litestar.params import Body, JSONBody, Parameter
from msgspec import Meta, Struct
from psycopg.types.json import Jsonb

from app.api import queries as q
from app.api.auth import requires
from app.api.routes.common import ERRORS, example, impressions_written, rows, value
from app.api.schemas import ExperimentIn, object_body

ADMIN = [requires("admin")]
READ = [requires("read")]
WRITE = [requires("write")]

NAME = Annotated[str, Parameter(description="The experiment's name: lower-case letters, digits and _, at most 40.",
                                examples=example("blend_test"))]
ExperimentBody = Annotated[dict[str, Any], Body(
    description="The experiment; keys left out keep their stored values. The name is the path's.",
    schema_extra=object_body(ExperimentIn, {"description": "tuned blend against default", "variants": [
        {"name": "control", "strategy": "default", "share": 0.5},
        {"name": "explore", "strategy": "explore", "share": 0.5}]}))]


class Variant(Struct):
    name: Annotated[str, Meta(examples=["control"])]
    strategy: Annotated[str, Meta(description="The feed strategy it serves.", examples=["default"])]
    share: Annotated[float, Meta(description="Share of users.", examples=[0.5])]
    control: Annotated[bool, Meta(description="The baseline: served to everyone while the experiment does not run, "
                                              "and compared with in the report.", examples=[True])]


class Experiment(Struct):
    """An A/B experiment as rec.experiments() lists it."""

    name: Annotated[str, Meta(examples=["blend_test"])]
    description: Annotated[str, Meta(examples=["tuned blend against default"])]
    # Named `list` in JSON; a field called list would shadow the builtin in these annotations.
    serves: Annotated[str, Meta(description="The list whose strategy it chooses.", examples=["feed"])] = \
        msgspec.field(name="list")
    status: Annotated[str, Meta(description="scheduled, running or ended.", examples=["running"])]
    starts_at: Annotated[datetime, Meta(examples=["2026-06-01T00:00:00Z"])]
    ends_at: Annotated[datetime | None, Meta(description="null: runs until ended.", examples=["2026-06-15T00:00:00Z"])]
    variants: list[Variant]
    created_at: Annotated[datetime, Meta(examples=["2026-05-30T09:12:00Z"])]


class Experiments(Struct):
    experiments: list[Experiment]


def experiment_of(document: dict[str, Any]) -> Experiment:
    return msgspec.convert(document, Experiment)


@get("/experiments", guards=ADMIN, sync_to_thread=True, summary="A/B experiments", responses=ERRORS)
def list_experiments(request: Request) -> Experiments:
    """rec.experiments: every experiment, its variants and whether it runs now."""
    return Experiments([experiment_of(r) for r in rows(request, q.EXPERIMENTS, {})])


@put("/experiments/{name:str}", guards=ADMIN, sync_to_thread=True, summary="Create or change an experiment",
     responses=ERRORS)
def upsert_experiment(request: Request, name: NAME, data: ExperimentBody) -> Experiment:
    """rec.upsert_experiment: variants (2..20, shares summing to 1, feed strategies), start and
    end. Once started only the description and the end may change."""
    if not isinstance(data, dict):
        raise ValidationException("the body must be a JSON object")
    if "name" in data and data["name"] != name:
        raise ValidationException("the body's name differs from the path's",
                                  extra=[{"key": "name", "message": "leave it out or repeat the path's name"}])
    fields = {"name", "description", "starts_at", "ends_at", "variants"}
    return experiment_of(value(request, q.UPSERT_EXPERIMENT, {"experiment": Jsonb({**data, "name": name})}, fields))


@post("/experiments/{name:str}/end", guards=ADMIN, sync_to_thread=True, status_code=200, summary="End an experiment",
      responses=ERRORS)
def end_experiment(request: Request, name: NAME) -> Experiment:
    """rec.end_experiment: ends it now; everyone gets the control variant from then on."""
    return experiment_of(value(request, q.END_EXPERIMENT, {"name": name}))


class VariantReport(Struct):
    """One variant's figures (rec.experiment_report); rates are null without impressions."""

    variant: Annotated[str, Meta(examples=["explore"])]
    strategy: Annotated[str, Meta(examples=["explore"])]
    share: Annotated[float, Meta(examples=[0.5])]
    control: Annotated[bool, Meta(examples=[False])]
    users: Annotated[int, Meta(description="Users with an impression in the variant.", examples=[212])]
    impressions: Annotated[int, Meta(description="Items shown while the experiment ran.", examples=[4180])]
    clicks: Annotated[int, Meta(description="Impressions followed by a positive event within the attribution window.",
                                examples=[397])]
    ctr: Annotated[float | None, Meta(description="clicks / impressions.", examples=[0.095])]
    ctr_low: Annotated[float | None, Meta(description="95 % Wilson interval.", examples=[0.086])]
    ctr_high: Annotated[float | None, Meta(examples=[0.104])]
    conversions: Annotated[int, Meta(description="Impressions followed by a positive event other than a click "
                                                 "(like, save, share, apply, complete, a good rating).",
                                     examples=[120])]
    conversion_rate: Annotated[float | None, Meta(examples=[0.029])]
    conversion_low: Annotated[float | None, Meta(examples=[0.024])]
    conversion_high: Annotated[float | None, Meta(examples=[0.034])]
    items_shown: Annotated[int, Meta(examples=[640])]
    coverage: Annotated[float | None, Meta(description="Distinct items shown / live items.", examples=[0.32])]
    ctr_diff: Annotated[float | None, Meta(description="ctr − the control's (null on the control).", examples=[0.012])]
    ctr_diff_low: Annotated[float | None, Meta(description="95 % interval; excluding 0: a difference at the 5 % level.",
                                               examples=[0.001])]
    ctr_diff_high: Annotated[float | None, Meta(examples=[0.023])]


class ExperimentReport(Struct):
    experiment: Annotated[str, Meta(examples=["blend_test"])]
    attribution: Annotated[str, Meta(description="How long after an impression an event counts.",
                                     examples=["24 hours"])]
    variants: list[VariantReport]


@get("/experiments/{name:str}/report", guards=ADMIN, sync_to_thread=True, summary="How an experiment's variants did",
     responses=ERRORS)
def experiment_report(request: Request, name: NAME,
                      attribution: Annotated[str | None, Parameter(
                          description="How long after an impression an event counts, up to 30 days "
                                      "(default '24 hours').", examples=example("24 hours"))] = None
                      ) -> ExperimentReport:
    """rec.experiment_report: per variant, users, impressions, CTR and conversion rate with 95 %
    Wilson intervals, coverage, and the CTR difference to the control with its 95 % interval."""
    impressions_written(request)
    result = rows(request, q.EXPERIMENT_REPORT, {"experiment": name, "attribution": attribution})
    return ExperimentReport(name, attribution or "24 hours", [VariantReport(**r) for r in result])


class Assignment(Struct):
    """The variant a user is served (rec.experiment_variant)."""

    experiment: Annotated[str, Meta(examples=["blend_test"])]
    user_id: Annotated[str, Meta(examples=["u1"])]
    variant: Annotated[str, Meta(examples=["explore"])]
    strategy: Annotated[str, Meta(description="What the feed serves the user for experiment:NAME.",
                                  examples=["explore"])]
    running: Annotated[bool, Meta(description="false: the experiment does not run now and everyone gets its control.",
                                  examples=[True])]


@get("/experiments/{name:str}/assignment", guards=READ, sync_to_thread=True, summary="A user's variant",
     responses=ERRORS)
def assignment(request: Request, name: NAME,
               user_id: Annotated[str, Parameter(description="Your user id.", examples=example("u1"))]) -> Assignment:
    """rec.experiment_variant: deterministic by user id; the control variant while the
    experiment does not run."""
    result = rows(request, q.EXPERIMENT_VARIANT, {"experiment": name, "user_id": user_id})
    r = result[0]
    return Assignment(name, user_id, r["variant"], r["strategy"], r["running"])


class ImpressionsIn(Struct):
    """One page an application showed a user, for the experiment report (rec.log_impressions)."""

    request_id: Annotated[str, Meta(description="Your id of the request that served the page (1..200 characters); "
                                                "a retry with the same id adds nothing.",
                                    examples=["req-7f3a"])]
    user_id: Annotated[str, Meta(description="Your user id.", examples=["u1"])]
    items: Annotated[list[str], Meta(description="The page's item ids in the order shown (at most 500).",
                                     examples=[["i1", "i2", "i3"]])]
    experiment: Annotated[str | None, Meta(description="The experiment that chose the page's strategy, as its rows' "
                                                       "reasons say.", examples=["blend_test"])] = None
    variant: Annotated[str | None, Meta(description="Its variant; left out: the user's assignment now.",
                                        examples=["explore"])] = None
    strategy: Annotated[str | None, Meta(description="The strategy that ranked the page (experiment:NAME stands for "
                                                     "the experiment).", examples=["default"])] = None


class Logged(Struct):
    logged: Annotated[int, Meta(description="Impressions stored; items already logged under the request id are "
                                            "not counted again.", examples=[3])]


@post("/impressions", guards=WRITE, sync_to_thread=True, status_code=200, summary="Log a page shown to a user",
      responses=ERRORS)
def log_impressions(request: Request, data: JSONBody[ImpressionsIn]) -> Logged:
    """rec.log_impressions: the items of one page, position 1 first, under the request that served
    them. Validated whole: an unknown item or experiment is 404, a malformed value 422 naming it
    (`items[3]`); nothing is stored then."""
    params = {"request_id": data.request_id, "user_id": data.user_id, "items": data.items,
              "experiment": data.experiment, "variant": data.variant, "strategy": data.strategy}
    return Logged(value(request, q.LOG_IMPRESSIONS, params))


ROUTES = [list_experiments, upsert_experiment, end_experiment, experiment_report, assignment, log_impressions]
