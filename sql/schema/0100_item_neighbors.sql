-- Item-to-item collaborative neighbours: "people who engaged with A also engaged with B".
-- rec.refresh('neighbors') fills it from co-occurring positive events (source
-- 'cooccurrence'); a stronger offline model may write its own rows under another source.
-- Serving only reads this table.
CREATE TABLE pgrec.item_neighbors (
    item_id     bigint NOT NULL REFERENCES pgrec.items (id),
    neighbor_id bigint NOT NULL REFERENCES pgrec.items (id),
    score       real NOT NULL CHECK (score > 0),
    source      text NOT NULL DEFAULT 'cooccurrence',
    PRIMARY KEY (item_id, neighbor_id),
    CHECK (item_id <> neighbor_id)
);
COMMENT ON TABLE pgrec.item_neighbors IS 'Top item-to-item neighbours with a similarity score (refresh step: neighbors).';
