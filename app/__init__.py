"""pgrec: a recommender that lives inside PostgreSQL.

The ranking logic is SQL under ``sql/``; this package is the thin shell around it: settings,
database access, migrations helpers, the CLI, the HTTP API, demo data and evaluation.
"""

from pathlib import Path

#: The checkout root: sql/ and migrations/ are read from here (the package installs editable).
ROOT = Path(__file__).resolve().parent.parent

__all__ = ["ROOT"]
