-- Typed tags: "tool:python" is kind 'tool', value 'python'; a plain "python" is kind 'tag'.
-- Items and users refer to tags by a small integer id so that matching, Jaccard and
-- preference sums work on int arrays instead of strings.
CREATE TABLE pgrec.tags (
    id    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind  text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_-]{0,39}$'),
    value text NOT NULL CHECK (length(value) BETWEEN 1 AND 200),
    -- The spelling clients use and exports show; human-readable reasons show the value.
    name  text GENERATED ALWAYS AS (CASE WHEN kind = 'tag' THEN value ELSE kind || ':' || value END) STORED,
    UNIQUE (kind, value)
);
COMMENT ON TABLE pgrec.tags IS 'Typed tags (kind:value); plain tags have kind ''tag''.';
-- Diversity counts repeats per category: the category tags are found by kind.
CREATE INDEX tags_kind ON pgrec.tags (kind);

-- How much a match on each kind of tag counts in preference scores. Kinds not listed weigh
-- as much as kind 'tag'.
CREATE TABLE pgrec.tag_kinds (
    kind   text PRIMARY KEY,
    weight real NOT NULL CHECK (weight >= 0)
);
COMMENT ON TABLE pgrec.tag_kinds IS 'Weight of a preference match per tag kind.';
