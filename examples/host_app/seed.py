"""Fill the host app's `listings` table from the demo catalogue (`make run` loads it).

In a real host app the listings table is the source and pgrec hears about every change
(`Client.upsert_items`); for the demo the catalogue goes the other way, through `rec.items`.

    DATABASE_URL=$(.venv/bin/pgrec db url) .venv/bin/python -m examples.host_app.seed
"""

from __future__ import annotations

import os

import psycopg

from pgrec_client import Client

DEMO_ITEMS = [f"i{k}" for k in range(1, 2001)]  # the demo's item ids
BATCH = 1000  # rec.items answers at most 1,000 ids per call


def seed(database_url: str) -> int:
    """Create `listings` if needed and copy the demo items into it; returns the listings written."""
    with psycopg.connect(database_url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS public.listings (id text PRIMARY KEY, title text NOT NULL, "
                     "price numeric)")
        rec = Client.sql(conn)
        written = 0
        for start in range(0, len(DEMO_ITEMS), BATCH):
            items = rec.items(DEMO_ITEMS[start:start + BATCH])
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO public.listings VALUES (%s, %s, %s) ON CONFLICT (id) DO UPDATE "
                                "SET title = excluded.title, price = excluded.price",
                                [(i.item_id, i.title or i.item_id, i.price) for i in items])
            written += len(items)
    return written


if __name__ == "__main__":
    print(f"{seed(os.environ['DATABASE_URL'])} listings")
