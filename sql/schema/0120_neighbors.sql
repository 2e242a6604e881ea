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

-- Each user's distinct transitions A -> B over the window of the refresh step transitions (the
-- last 180 days), kept so a run recomputes only the users whose events changed and then the
-- rows of pgrec.item_transitions they touch: users(A -> B) is the number of rows here.
-- References the user so rec.forget_user erases their paths with them.
CREATE TABLE pgrec.user_transitions (
    item_id      bigint NOT NULL,
    next_item_id bigint NOT NULL,
    user_id      bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    PRIMARY KEY (item_id, next_item_id, user_id)
);
COMMENT ON TABLE pgrec.user_transitions IS 'Per user: the distinct item -> next item transitions in the transitions window (refresh step: transitions).';
-- Replacing one user's transitions, and the foreign key's cascade.
CREATE INDEX user_transitions_user ON pgrec.user_transitions (user_id);

-- The interaction strengths the SQL item-item model (refresh step itemknn) learnt from, one row
-- per user and item (rec._interactions with the model's parameters, after its per-user cap), as
-- of each user's last recomputation. Kept so an incremental run recomputes only the users whose
-- events changed and reads everyone else's strengths from here instead of from every event.
-- References the user so rec.forget_user erases it with them.
CREATE TABLE pgrec.itemknn_interactions (
    user_id  bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    item_id  bigint NOT NULL,
    strength double precision NOT NULL CHECK (strength > 0),
    PRIMARY KEY (user_id, item_id)
);
COMMENT ON TABLE pgrec.itemknn_interactions IS 'Interaction strengths behind the itemknn model, per user and item (refresh step: itemknn).';
-- A row of the model reads the users of its item.
CREATE INDEX itemknn_interactions_item ON pgrec.itemknn_interactions (item_id);

-- When each item's itemknn row (its neighbours in pgrec.item_neighbors) was last computed, and
-- the item's degree (summed strength) then: an incremental run recomputes first the rows whose
-- degree moved the most since.
CREATE TABLE pgrec.itemknn_rows (
    item_id     bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    degree      double precision NOT NULL,
    computed_at timestamptz NOT NULL
);
COMMENT ON TABLE pgrec.itemknn_rows IS 'Per item: the degree its itemknn neighbour row was computed with, and when (refresh step: itemknn).';
