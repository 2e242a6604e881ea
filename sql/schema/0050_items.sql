-- Items: anything that can be recommended (a project, a lesson, a listing). Internal bigint
-- keys keep events and indexes small; the client's text id lives in external_id only.
CREATE TABLE pgrec.items (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id text NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 200),
    title       text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    tag_ids     integer[] NOT NULL DEFAULT '{}',
    creator_id  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    lat         double precision CHECK (lat BETWEEN -90 AND 90),
    lon         double precision CHECK (lon BETWEEN -180 AND 180),
    price       numeric CHECK (price >= 0),
    attributes  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'hidden', 'archived')),
    expires_at  timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- Title weighs more than description in keyword search.
    search      tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', title), 'A') ||
                    setweight(to_tsvector('english', description), 'B')) STORED,
    CHECK ((lat IS NULL) = (lon IS NULL))
);
COMMENT ON TABLE pgrec.items IS 'Recommendable items; external_id is the client''s id.';

CREATE INDEX items_tag_ids ON pgrec.items USING gin (tag_ids);
CREATE INDEX items_search ON pgrec.items USING gin (search);
CREATE INDEX items_creator ON pgrec.items (creator_id) WHERE creator_id IS NOT NULL;
-- Feeds only ever rank items that are live; newest-first lists scan this.
CREATE INDEX items_live_created ON pgrec.items (created_at DESC) WHERE status = 'active';
