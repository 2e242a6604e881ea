"""A host application with its own `listings` table, shown to each visitor in pgrec's order.

    DATABASE_URL=$(.venv/bin/pgrec db url) .venv/bin/python -m examples.host_app.seed
    DATABASE_URL=$(.venv/bin/pgrec db url) .venv/bin/uvicorn --factory examples.host_app.app:create_app --port 8001

One query joins the app's table with rec.feed (pgrec_client.sqlalchemy), so the page shows the
app's own rows — its titles and prices, only listings it still has — ranked by pgrec; a like
goes back to pgrec through the client, in the request's transaction.
"""

from __future__ import annotations

import os
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import quote

import psycopg
from litestar import Litestar, MediaType, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from sqlalchemy import Numeric, Text, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pgrec_client import Client
from pgrec_client.sqlalchemy import rec_feed


class Base(DeclarativeBase):
    pass


class Listing(Base):
    __tablename__ = "listings"

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # the item id pgrec knows it by
    title: Mapped[str] = mapped_column(Text)
    price: Mapped[Decimal | None] = mapped_column(Numeric)


def create_app(database_url: str | None = None) -> Litestar:
    # A libpq URL or key=value string, as `pgrec db url` prints it and psycopg takes it.
    conninfo = database_url or os.environ["DATABASE_URL"]
    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(conninfo))

    def for_you(user: str, n: int) -> list[dict[str, Any]]:
        feed = rec_feed(user, n=n)
        query = (select(Listing, feed.c.score, feed.c.reasons)
                 .join(feed, Listing.id == feed.c.item_id)
                 .order_by(feed.c.position))
        with Session(engine) as session:
            return [{"id": x.id, "title": x.title, "price": None if x.price is None else float(x.price),
                     "score": score, "why": reasons["reasons"]} for x, score, reasons in session.execute(query)]

    @get("/api/listings", sync_to_thread=True)
    def listings(user: FromQuery[str], n: FromQuery[int] = 20) -> list[dict[str, Any]]:
        return for_you(user, n)

    @get("/", media_type=MediaType.HTML, sync_to_thread=True)
    def page(user: FromQuery[str] = "u1", n: FromQuery[int] = 20) -> str:
        rows = "".join(f"<li><b>{escape(x['title'])}</b> {x['price'] or ''} <small>{escape('; '.join(x['why']))}"
                       f"</small><form method=post action='/listings/{quote(x['id'])}/like?user={quote(user)}'>"
                       f"<button>like</button></form></li>" for x in for_you(user, n))
        return f"<!doctype html><title>For {escape(user)}</title><h1>For {escape(user)}</h1><ol>{rows}</ol>"

    @post("/listings/{listing_id:str}/like", sync_to_thread=True)
    def like(listing_id: FromPath[str], user: FromQuery[str]) -> Redirect:
        with engine.begin() as conn:  # the app's own writes of this request could share the transaction
            Client.sql(conn.connection.driver_connection).track(
                [{"user_id": user, "item_id": listing_id, "type": "like", "context": {"source": "host_app"}}])
        return Redirect(f"/?user={quote(user)}")

    return Litestar([page, listings, like], on_shutdown=[lambda: engine.dispose()])
