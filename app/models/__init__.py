"""The models fitted in Python: EASE (:mod:`.ease`) and implicit ALS (:mod:`.als`).

Each is a refresh step (pgrec.refresh_steps, runner ``python``) run by ``pgrec refresh`` and the
scheduler like every other step, with its parameters in pgrec.models. A fit reads the model's
interactions through ``rec.model_interactions`` (:mod:`.interactions`), chooses its own
regularisation on a time hold-out, and writes back through the rec API in one transaction
(:mod:`.store`). Serving never runs Python: the stored rows are read by the SQL signals
``ease`` and ``als``. The SQL item-item model (``itemknn``) is sql/api/40_refresh.
"""

from app.models import als, ease

#: model kind -> fit(conn, model name, should_stop, reuse) -> (rows, detail)
FITS = {"ease": ease.fit, "als": als.fit}

__all__ = ["FITS"]
