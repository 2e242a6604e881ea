"""Offline collaborative models computed with numpy and written into ``pgrec.item_neighbors``.

Serving never runs Python: a model here is fitted by a job (the scheduler, ``pgrec evaluate
--model ease``, or ``python -m app.models.ease``) and stored as item-to-item neighbour rows
under its own ``source``. ``rec._collaborative`` then prefers a model's rows over the
co-occurrence rows of the refresh step ``neighbors`` for every item the model covers.
"""

from app.models.ease import fit_ease, item_item_knn, top_neighbors, train_and_store

__all__ = ["fit_ease", "item_item_knn", "top_neighbors", "train_and_store"]
