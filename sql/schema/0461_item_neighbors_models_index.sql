-- Which items have neighbour rows from an offline model (app/models, e.g. EASE) rather than
-- from co-occurrence. rec._collaborative asks this for every history item of every feed
-- call; a partial index answers it with one probe, and stays empty (free) until a model
-- writes rows.
CREATE INDEX item_neighbors_models ON pgrec.item_neighbors (item_id, source) WHERE source <> 'cooccurrence';
