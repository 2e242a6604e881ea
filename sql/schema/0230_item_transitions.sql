-- Item-to-item transitions: "after A, users went on to B". rec.refresh('transitions') fills it
-- from each user's event sequence (consecutive distinct items no more than 7 days apart);
-- rec.next_items and rec.session_feed read it.
--   users  distinct users who went from item_id straight to next_item_id
--   score  users / all users who went anywhere from item_id: P(next = B | left A)
CREATE TABLE pgrec.item_transitions (
    item_id      bigint NOT NULL REFERENCES pgrec.items (id),
    next_item_id bigint NOT NULL REFERENCES pgrec.items (id),
    users        integer NOT NULL CHECK (users > 0),
    score        real NOT NULL CHECK (score > 0 AND score <= 1),
    PRIMARY KEY (item_id, next_item_id),
    CHECK (item_id <> next_item_id)
);
COMMENT ON TABLE pgrec.item_transitions IS 'What users did next after an item: top 50 next items per item (refresh step: transitions).';
