-- Typed tags: "tool:python" is kind 'tool', value 'python'; a plain "python" is kind 'tag'.
-- Items and users refer to tags by a small integer id so that matching, Jaccard and
-- preference sums work on int arrays instead of strings.
CREATE TABLE pgrec.tags (
    id    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind  text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_-]{0,39}$'),
    value text NOT NULL CHECK (length(value) BETWEEN 1 AND 200),
    -- The spelling clients use, and what reasons and exports show.
    name  text GENERATED ALWAYS AS (CASE WHEN kind = 'tag' THEN value ELSE kind || ':' || value END) STORED,
    UNIQUE (kind, value)
);
COMMENT ON TABLE pgrec.tags IS 'Typed tags (kind:value); plain tags have kind ''tag''.';

-- How much a match on each kind of tag counts in preference scores. Kinds not listed weigh
-- the 'tag' default.
CREATE TABLE pgrec.tag_kinds (
    kind   text PRIMARY KEY,
    weight real NOT NULL CHECK (weight >= 0)
);
COMMENT ON TABLE pgrec.tag_kinds IS 'Weight of a preference match per tag kind.';
INSERT INTO pgrec.tag_kinds (kind, weight) VALUES
    ('tool', 0.5), ('category', 0.3), ('topic', 0.2), ('tag', 0.2);
