-- Business rules: boost (positive) or bury (negative) items that match every condition given
-- (a tag, a creator, attributes the item's attributes contain), between starts_at and ends_at.
-- The boost is added to the final score, whose signal part is 0..1, so 0.2 lifts an item
-- noticeably and -1 sends it to the bottom. Rules apply to every strategy unless one is named.
CREATE TABLE pgrec.rules (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    boost      double precision NOT NULL CHECK (boost BETWEEN -1 AND 1 AND boost <> 0),
    tag_id     integer REFERENCES pgrec.tags (id),
    creator_id text,
    attributes jsonb CHECK (jsonb_typeof(attributes) = 'object'),
    strategy   text REFERENCES pgrec.strategies (name) ON DELETE CASCADE ON UPDATE CASCADE,
    starts_at  timestamptz,
    ends_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(tag_id, creator_id, attributes) >= 1),
    CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
);
COMMENT ON TABLE pgrec.rules IS 'Boost or bury rules: items matching tag/creator/attributes get boost added to their score while active.';
