-- Item-to-item relations learnt from behaviour (refresh steps neighbors, neighbors_history,
-- transitions). Serving only reads these tables.

-- "People who engaged with A also engaged with B": the best neighbours per item with a score,
-- from co-occurring events (sources 'cooccurrence' and 'history'), or from a fitted model
-- that writes its own rows under its own source.
CREATE TABLE pgrec.item_neighbors (
    item_id     bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    neighbor_id bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    score       real NOT NULL CHECK (score > 0),
    source      text NOT NULL DEFAULT 'cooccurrence',
    PRIMARY KEY (item_id, neighbor_id),
    CHECK (item_id <> neighbor_id)
);
COMMENT ON TABLE pgrec.item_neighbors IS 'Top item-to-item neighbours with a similarity score (refresh steps: neighbors, neighbors_history, models).';
-- Which items have rows from a fitted model rather than co-occurrence: the collaborative
-- signal asks this for every history item of every call; the partial index answers with one
-- probe and stays empty (free) until a model writes rows.
CREATE INDEX item_neighbors_models ON pgrec.item_neighbors (item_id, source) WHERE source NOT IN ('cooccurrence', 'history');

-- "After A, users went on to B" (refresh step transitions):
--   users  distinct users who went from item_id straight to next_item_id
--   score  users / all users who went anywhere from item_id: P(next = B | left A)
CREATE TABLE pgrec.item_transitions (
    item_id      bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    next_item_id bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    users        integer NOT NULL CHECK (users > 0),
    score        real NOT NULL CHECK (score > 0 AND score <= 1),
    PRIMARY KEY (item_id, next_item_id),
    CHECK (item_id <> next_item_id)
);
COMMENT ON TABLE pgrec.item_transitions IS 'What users did next after an item: top 50 next items per item (refresh step: transitions).';
