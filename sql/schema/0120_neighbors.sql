-- Item-to-item relations learnt from behaviour (refresh steps itemknn, ease, transitions).
-- Serving only reads these tables.

-- "People who engaged with A also engaged with B": the best neighbours of each item with a
-- score, one set per model (source): the SQL item-item model (itemknn) and EASE write here.
-- Scores of different sources are on different scales and are never added together.
-- No foreign keys to pgrec.items: a refresh writes the rows of every item at once (at 1M events
-- 1.36 million itemknn rows), and a foreign key checks each row on its own — 29 of the 35 s
-- those rows took to write with both keys, 5.7 s without. The writers write only rows between
-- items that exist, and an item's rows go with it (pgrec.drop_item_neighbors, below). Readers
-- join the neighbours with pgrec.items, so a row left behind by an item deleted while a
-- refresh was writing (until its next run) is never listed.
CREATE TABLE pgrec.item_neighbors (
    item_id     bigint NOT NULL,
    source      text NOT NULL,
    neighbor_id bigint NOT NULL,
    score       real NOT NULL CHECK (score > 0),
    PRIMARY KEY (item_id, source, neighbor_id),
    CHECK (item_id <> neighbor_id)
);
COMMENT ON TABLE pgrec.item_neighbors IS 'Top item-to-item neighbours per model (source) with a score (refresh steps: itemknn, ease).';

-- Deleted items take their neighbour rows, both ways, in one pass per statement. (A foreign key
-- would scan the table once per deleted item for the rows pointing at it: neighbor_id has no
-- index, which would cost every refresh its upkeep.) On Citus, which allows no triggers on
-- reference tables, rec.forget_user deletes them itself (pgrec.place_tables drops this one).
CREATE FUNCTION pgrec.drop_item_neighbors() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM pgrec.item_neighbors AS n
    WHERE n.item_id IN (SELECT o.id FROM old_items AS o) OR n.neighbor_id IN (SELECT o.id FROM old_items AS o);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION pgrec.drop_item_neighbors() IS 'Trigger: delete the neighbour rows (pgrec.item_neighbors) of deleted items, both ways.';

CREATE TRIGGER items_drop_neighbors
    AFTER DELETE ON pgrec.items
    REFERENCING OLD TABLE AS old_items
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.drop_item_neighbors();

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

-- users(A -> B) for every pair in pgrec.user_transitions (the rows per pair there), kept so an
-- incremental run moves the counts of the pairs that changed and ranks an item's next items
-- from its pairs instead of from every user's transitions.
CREATE TABLE pgrec.transition_pairs (
    item_id      bigint NOT NULL,
    next_item_id bigint NOT NULL,
    users        bigint NOT NULL CHECK (users > 0),
    PRIMARY KEY (item_id, next_item_id)
);
COMMENT ON TABLE pgrec.transition_pairs IS 'Per item -> next item pair: the users in pgrec.user_transitions who made it (refresh step: transitions).';

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

-- What the item-item model sums over those strengths, kept beside them so an incremental run
-- moves the sums of what changed instead of summing every strength again: per user the item
-- count and energy (summed strength), per item its degree (summed strength), users and walks
-- (the sum of its users' item counts: what counting its pairs costs). The degree is numeric so
-- the differences an incremental run adds are exact: it equals a full rebuild's sum, in any
-- order the rows (or, on Citus, the shards) come in.
CREATE TABLE pgrec.itemknn_users (
    user_id bigint PRIMARY KEY REFERENCES pgrec.users (id) ON DELETE CASCADE,
    items   bigint NOT NULL CHECK (items > 0),
    energy  double precision NOT NULL
);
COMMENT ON TABLE pgrec.itemknn_users IS 'Per user: item count and summed strength of pgrec.itemknn_interactions (refresh step: itemknn).';
-- No foreign key to pgrec.items: a deleted item's events are deleted with it, and the next run
-- recomputes the items of deleted events from the strengths.
CREATE TABLE pgrec.itemknn_items (
    item_id bigint PRIMARY KEY,
    degree  numeric NOT NULL,
    users   bigint NOT NULL CHECK (users > 0),
    walks   bigint NOT NULL
);
COMMENT ON TABLE pgrec.itemknn_items IS 'Per item: degree (summed strength), users and walks of pgrec.itemknn_interactions (refresh step: itemknn).';

-- When each item's itemknn row (its neighbours in pgrec.item_neighbors) was last computed, and
-- the item's degree (summed strength) then: an incremental run recomputes first the rows whose
-- degree moved the most since.
CREATE TABLE pgrec.itemknn_rows (
    item_id     bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    degree      double precision NOT NULL,
    computed_at timestamptz NOT NULL
);
COMMENT ON TABLE pgrec.itemknn_rows IS 'Per item: the degree its itemknn neighbour row was computed with, and when (refresh step: itemknn).';
