-- Item-to-item relations learnt from behaviour (refresh steps itemknn, ease, transitions).
-- Serving only reads these tables.

-- "People who engaged with A also engaged with B": the best neighbours of each item with a
-- score, one set per model (source): the SQL item-item model (itemknn) and EASE write here.
-- Scores of different sources are on different scales and are never added together.
CREATE TABLE pgrec.item_neighbors (
    item_id     bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    source      text NOT NULL,
    neighbor_id bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    score       real NOT NULL CHECK (score > 0),
    PRIMARY KEY (item_id, source, neighbor_id),
    CHECK (item_id <> neighbor_id)
);
COMMENT ON TABLE pgrec.item_neighbors IS 'Top item-to-item neighbours per model (source) with a score (refresh steps: itemknn, ease).';

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
