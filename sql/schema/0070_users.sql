-- Users, the index from the client's user id to pgrec's, their explicit preferences, and the
-- ids of users who asked to be forgotten.
--
-- Every per-user table (events, tag preferences, vectors, onboarding answers) is keyed by the
-- internal users.id, so on a Citus cluster they are all distributed by it and co-located: one
-- user's rows live on one worker, and a feed reads them there in one round trip. A unique
-- index must contain the distribution column, so users.external_id cannot be unique by itself
-- there; pgrec.user_keys holds that uniqueness instead (distributed by the external id), and
-- every lookup by client id goes through it (rec._user_id), on one node as on a cluster.
CREATE TABLE pgrec.users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The client's id, as in pgrec.user_keys (written together, never changed).
    external_id     text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    created_at      timestamptz NOT NULL DEFAULT now() CHECK (isfinite(created_at)),
    lat             double precision CHECK (lat BETWEEN -90 AND 90),
    lon             double precision CHECK (lon BETWEEN -180 AND 180),
    attributes      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    max_distance_km double precision CHECK (max_distance_km > 0 AND max_distance_km <= 20000),
    price_min       numeric CHECK (price_min BETWEEN 0 AND 1e12),
    price_max       numeric CHECK (price_max BETWEEN 0 AND 1e12),
    personalization boolean NOT NULL DEFAULT true,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- rec.now() of the latest feed page logged for the user (rec.log_impressions), kept to the
    -- hour: a user who is shown feeds without acting gets a precomputed pool (feed_pools) too.
    last_served_at  timestamptz,
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CHECK (price_min IS NULL OR price_max IS NULL OR price_min <= price_max)
);
COMMENT ON TABLE pgrec.users IS 'Users; external_id is the client''s id (unique through pgrec.user_keys). Created on first track() if unknown.';

-- The client's user id -> pgrec's users.id. The one place a client id is unique: rec.track,
-- rec.upsert_users and rec.submit_onboarding claim an id here (ON CONFLICT DO NOTHING) before
-- they create the user row, so two concurrent batches naming the same new user create it once.
-- No foreign key to pgrec.users: on Citus the two are distributed by different columns and
-- cannot reference each other; rec.forget_user deletes both rows together.
CREATE TABLE pgrec.user_keys (
    external_id text PRIMARY KEY CHECK (length(external_id) BETWEEN 1 AND 200),
    user_id     bigint NOT NULL
);
COMMENT ON TABLE pgrec.user_keys IS 'Client user id -> pgrec.users.id; makes client ids unique (also on a Citus cluster).';

-- One row per tag a user cares about: a positive weight for preferred tags, or blocked.
CREATE TABLE pgrec.user_tags (
    user_id bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    tag_id  integer NOT NULL REFERENCES pgrec.tags (id),
    weight  real NOT NULL DEFAULT 1 CHECK (weight > 0 AND weight <= 10),
    blocked boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, tag_id)
);
COMMENT ON TABLE pgrec.user_tags IS 'Explicit tag preferences: weight for preferred tags, blocked for excluded ones.';

-- Tombstones: the ids of users erased by rec.forget_user. rec.track refuses events for them,
-- so a client retrying an old batch cannot bring an erased user back. Only a digest is kept:
-- the tombstone must not itself be the personal data it stands for.
CREATE TABLE pgrec.forgotten_users (
    id_digest    bytea PRIMARY KEY CHECK (length(id_digest) = 32),
    forgotten_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgrec.forgotten_users IS 'SHA-256 of the external ids of erased users; rec.track rejects events for them.';
