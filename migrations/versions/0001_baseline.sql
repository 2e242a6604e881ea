-- Baseline of the pgrec schema: a frozen copy of sql/schema (without 0010_roles.sql, which
-- runs on every migration as the installer) and sql/seed as they were when the five
-- development revisions were squashed into one. Never edit it: a later change to the schema
-- is a new revision that alters, and the drift test compares the result with sql/schema.

-- ==== sql/schema/0020_meta.sql
-- Facts about this installation that code needs at run time (today: the checksum of the
-- installed rec API, so an upgrade re-creates it only when its files changed).
CREATE TABLE pgrec.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
COMMENT ON TABLE pgrec.meta IS 'Installation facts, e.g. the checksum of the installed rec API.';

-- ==== sql/schema/0030_event_types.sql
-- Interaction types and what each is worth. Every score that sums events reads this table, so
-- a DBA can re-weight behaviour without touching code (seed rows: sql/seed/0010_event_types.sql).
CREATE TABLE pgrec.event_types (
    type          text PRIMARY KEY CHECK (type ~ '^[a-z][a-z0-9_]{0,39}$'),
    weight        real NOT NULL CHECK (weight BETWEEN -100 AND 100),
    -- +1 signals interest, -1 rejection, 0 exposure only (a view says little on its own).
    polarity      smallint NOT NULL CHECK (polarity IN (-1, 0, 1)),
    -- Value-driven types (ratings) score weight * (value - neutral_value): a 5-star rating
    -- is +4, a 1-star -4, and the sign sets the polarity.
    neutral_value real,
    -- The values rec.track accepts for this type (a rating scale); NULL: the general bound.
    min_value     real,
    max_value     real,
    description   text NOT NULL DEFAULT '',
    CHECK (neutral_value IS NULL OR (min_value IS NOT NULL AND max_value IS NOT NULL)),
    CHECK (min_value IS NULL OR max_value IS NULL OR min_value <= max_value),
    CHECK (neutral_value IS NULL OR neutral_value BETWEEN min_value AND max_value)
);
COMMENT ON TABLE pgrec.event_types IS 'Event types with their weight and polarity; value-driven when neutral_value is set; accepted value range.';

-- ==== sql/schema/0040_tags.sql
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

-- ==== sql/schema/0050_items.sql
-- Items: anything that can be recommended (a project, a lesson, a listing). Internal bigint
-- keys keep events and indexes small; the client's text id lives in external_id only.
--
-- The embedding's dimension is fixed when pgrec is installed, because an HNSW index needs
-- one: the installer sets pgrec.embedding_dim (Alembic from PGREC_EMBEDDING_DIM; default
-- 384), and rec.embedding_dim() reads it back from this column's type.
DO $$
BEGIN
    EXECUTE format($ddl$
        CREATE TABLE pgrec.items (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            external_id   text NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 200),
            title         text NOT NULL DEFAULT '' CHECK (length(title) <= 1000),
            description   text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
            tag_ids       integer[] NOT NULL DEFAULT '{}' CHECK (cardinality(tag_ids) <= 200),
            creator_id    text CHECK (length(creator_id) BETWEEN 1 AND 200),
            created_at    timestamptz NOT NULL DEFAULT now() CHECK (isfinite(created_at)),
            lat           double precision CHECK (lat BETWEEN -90 AND 90),
            lon           double precision CHECK (lon BETWEEN -180 AND 180),
            price         numeric CHECK (price BETWEEN 0 AND 1e12),
            attributes    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
            status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'hidden', 'archived')),
            expires_at    timestamptz CHECK (isfinite(expires_at)),
            updated_at    timestamptz NOT NULL DEFAULT now(),
            -- Title weighs more than description in keyword search.
            search        tsvector GENERATED ALWAYS AS (
                              setweight(to_tsvector('english', title), 'A') ||
                              setweight(to_tsvector('english', description), 'B')) STORED,
            -- Content embedding (title, description, tags, some attributes); NULL until embedded.
            embedding     public.vector(%s),
            -- SHA-256 of the text the item is embedded from (kept by a trigger, see
            -- 0060_embeddings.sql) and the hash the stored embedding was computed from: the item
            -- needs (re-)embedding exactly when they differ.
            content_hash  text,
            embedded_hash text,
            CHECK ((lat IS NULL) = (lon IS NULL))
        )$ddl$, coalesce(nullif(current_setting('pgrec.embedding_dim', true), ''), '384'));
END $$;
COMMENT ON TABLE pgrec.items IS 'Recommendable items; external_id is the client''s id.';
COMMENT ON COLUMN pgrec.items.embedding IS 'Content embedding (title, description, tags, selected attributes); NULL until embedded.';
COMMENT ON COLUMN pgrec.items.content_hash IS 'SHA-256 (hex) of the embedding text (pgrec.item_embedding_text); set by trigger.';
COMMENT ON COLUMN pgrec.items.embedded_hash IS 'content_hash the stored embedding was computed from; NULL until embedded.';

-- Keep embeddings inside the row (MAIN instead of pgvector's EXTERNAL): feeds compute the
-- cosine to every candidate's embedding, and out-of-line (TOAST) vectors cost several page
-- reads each. PostgreSQL then moves the other wide columns out of line first; a very large
-- vector still goes out of line rather than failing.
ALTER TABLE pgrec.items ALTER COLUMN embedding SET STORAGE MAIN;

CREATE INDEX items_tag_ids ON pgrec.items USING gin (tag_ids);
CREATE INDEX items_search ON pgrec.items USING gin (search);
CREATE INDEX items_creator ON pgrec.items (creator_id) WHERE creator_id IS NOT NULL;
-- Lists only ever rank items that are live; newest-first lists walk this.
CREATE INDEX items_live_created ON pgrec.items (created_at DESC) WHERE status = 'active';
-- Nearby lists walk live located items in k-nearest order (built-in point_ops: no extension).
CREATE INDEX items_live_location ON pgrec.items USING gist (point(lon, lat))
    WHERE status = 'active' AND lat IS NOT NULL;
-- Cosine distance: embeddings from different providers are not all normalised.
CREATE INDEX items_embedding_hnsw ON pgrec.items USING hnsw (embedding public.vector_cosine_ops);

-- The one definition of "this item may be shown now": active, already published, not
-- expired. Every list calls it. A SQL-standard body without SET clause, so the planner inlines
-- it (the partial indexes above still match its status = 'active' test).
CREATE FUNCTION pgrec.is_live(p_item pgrec.items, p_now timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN p_item.status = 'active'
   AND p_item.created_at <= p_now
   AND (p_item.expires_at IS NULL OR p_item.expires_at > p_now);
COMMENT ON FUNCTION pgrec.is_live(pgrec.items, timestamptz) IS
'True when the item may be shown at p_now: status active, created_at <= p_now, not expired.';

-- ==== sql/schema/0060_embeddings.sql
-- Change tracking for item embeddings: which attributes go into the embedded text, the text
-- itself, its hash (kept on the item by a trigger), and the queue of items waiting for an
-- embedding. The embed job (refresh step "embeddings") consumes the queue.

-- Which item attributes go into the embedded text, besides title, description and tags. Only
-- a chosen few: most attributes (prices, ids, sequence numbers) are noise to a text model. A
-- DBA may add or remove keys; items already embedded are re-embedded when their text next
-- changes (or after SELECT rec.embed_requeue()).
CREATE TABLE pgrec.embedding_attributes (
    key text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200)
);
COMMENT ON TABLE pgrec.embedding_attributes IS 'Item attribute keys whose values are part of the embedded text.';

-- Items waiting for an embedding: one row per item whose content_hash differs from its
-- embedded_hash. Workers claim rows with FOR UPDATE SKIP LOCKED inside a transaction that
-- also writes the vectors back (rec.embed_claim / rec.embed_store), so two workers never take
-- the same item and a worker that dies mid-batch simply rolls back: the rows stay queued.
-- The row says only "this item needs embedding": the worker reads the text when it claims,
-- so edits made while an item waits coalesce into one embedding call.
CREATE TABLE pgrec.embedding_queue (
    item_id    bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    -- Failed attempts (provider errors) and when the item may be tried again: a poison item
    -- backs off instead of blocking the queue head.
    attempts   integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    not_before timestamptz,
    last_error text
);
COMMENT ON TABLE pgrec.embedding_queue IS 'Items whose embedding is missing or out of date; consumed by the embed job (rec.embed_claim).';
-- Workers take the oldest work first.
CREATE INDEX embedding_queue_order ON pgrec.embedding_queue (queued_at, item_id);

-- The text an item is embedded from, in a fixed layout that every provider receives:
--   <title>
--   <description>
--   Tags: <tag>, <tag>, ...
--   <attribute key>: <value>
-- Empty parts are left out. Tags are sorted by name and attributes by key, so the same content
-- always gives the same text and hash. The offline provider reads the "Tags:" line as tag
-- features (app/embeddings/offline.py). In pgrec, not rec: the trigger below calls it, and
-- nothing in pgrec may depend on rec (re-created on every API change).
CREATE FUNCTION pgrec.item_embedding_text(p_title text, p_description text, p_tag_ids integer[], p_attributes jsonb)
RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT concat_ws(E'\n',
        nullif(btrim(p_title), ''),
        nullif(btrim(p_description), ''),
        (SELECT 'Tags: ' || string_agg(t.name, ', ' ORDER BY t.name)
         FROM pgrec.tags AS t WHERE t.id = ANY (p_tag_ids)),
        (SELECT string_agg(a.key || ': ' || a.value, E'\n' ORDER BY a.key)
         FROM (SELECT k.key,
                      CASE jsonb_typeof(v.value)
                          WHEN 'array' THEN (SELECT string_agg(x #>> '{}', ', ')
                                             FROM jsonb_array_elements(v.value) AS x
                                             WHERE jsonb_typeof(x) IN ('string', 'number', 'boolean'))
                          WHEN 'object' THEN NULL
                          WHEN 'null' THEN NULL
                          ELSE v.value #>> '{}'
                      END AS value
               FROM pgrec.embedding_attributes AS k
               JOIN LATERAL (SELECT p_attributes -> k.key AS value) AS v ON v.value IS NOT NULL) AS a
         WHERE nullif(btrim(a.value), '') IS NOT NULL));
$$;
COMMENT ON FUNCTION pgrec.item_embedding_text(text, text, integer[], jsonb) IS
'The text an item is embedded from: title, description, a "Tags:" line and selected attributes (pgrec.embedding_attributes).';

-- BEFORE trigger: the hash is part of the row written, so no second update is needed. It fires
-- only when a column that feeds the text is written (the embed worker, which writes
-- embedding and embedded_hash only, does not fire it).
CREATE FUNCTION pgrec.items_set_content_hash()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.content_hash := encode(sha256(convert_to(
        pgrec.item_embedding_text(NEW.title, NEW.description, NEW.tag_ids, NEW.attributes), 'UTF8')), 'hex');
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION pgrec.items_set_content_hash() IS 'Trigger: set items.content_hash from the embedding text.';

CREATE TRIGGER items_content_hash
    BEFORE INSERT OR UPDATE OF title, description, tag_ids, attributes ON pgrec.items
    FOR EACH ROW EXECUTE FUNCTION pgrec.items_set_content_hash();

-- Queue items whose text no longer matches their embedding. Statement-level with transition
-- tables, so an upsert of 1000 items queues them in one INSERT rather than 1000. ON CONFLICT
-- DO NOTHING: an item already queued stays queued, and writing items never waits on a worker
-- holding that queue row FOR UPDATE (rec.embed_store leaves a row whose text changed meanwhile
-- queued for the next run).
CREATE FUNCTION pgrec.items_enqueue_embedding()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO pgrec.embedding_queue (item_id)
    SELECT n.id FROM changed_items AS n
    WHERE n.content_hash IS DISTINCT FROM n.embedded_hash
    ORDER BY n.id
    ON CONFLICT (item_id) DO NOTHING;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION pgrec.items_enqueue_embedding() IS 'Trigger: queue inserted or updated items whose content_hash differs from embedded_hash.';

-- Transition tables cannot be combined with an UPDATE OF column list, hence two triggers and
-- a cheap filter (content_hash vs embedded_hash) instead.
CREATE TRIGGER items_enqueue_embedding_insert
    AFTER INSERT ON pgrec.items
    REFERENCING NEW TABLE AS changed_items
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.items_enqueue_embedding();

CREATE TRIGGER items_enqueue_embedding_update
    AFTER UPDATE ON pgrec.items
    REFERENCING NEW TABLE AS changed_items
    FOR EACH STATEMENT EXECUTE FUNCTION pgrec.items_enqueue_embedding();

-- ==== sql/schema/0070_users.sql
-- Users, their explicit preferences, and the ids of users who asked to be forgotten.
CREATE TABLE pgrec.users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id     text NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 200),
    created_at      timestamptz NOT NULL DEFAULT now() CHECK (isfinite(created_at)),
    lat             double precision CHECK (lat BETWEEN -90 AND 90),
    lon             double precision CHECK (lon BETWEEN -180 AND 180),
    attributes      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    max_distance_km double precision CHECK (max_distance_km > 0 AND max_distance_km <= 20000),
    price_min       numeric CHECK (price_min BETWEEN 0 AND 1e12),
    price_max       numeric CHECK (price_max BETWEEN 0 AND 1e12),
    personalization boolean NOT NULL DEFAULT true,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CHECK (price_min IS NULL OR price_max IS NULL OR price_min <= price_max)
);
COMMENT ON TABLE pgrec.users IS 'Users; external_id is the client''s id. Created on first track() if unknown.';

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

-- ==== sql/schema/0080_events.sql
-- Interaction events: the largest table by far (plan for hundreds of millions of rows).
--
-- Not partitioned: a global unique event_id (exactly-once delivery) would otherwise need the
-- partition key in the constraint. Events arrive roughly in time order, so BRIN indexes on
-- occurred_at and recorded_at answer time windows (trending, "events since the last refresh")
-- for a few kilobytes, and the btree indexes below serve the per-user and per-item paths.
CREATE TABLE pgrec.events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    text CHECK (length(event_id) BETWEEN 1 AND 200),
    user_id     bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    item_id     bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    type        text NOT NULL REFERENCES pgrec.event_types (type),
    value       real CHECK (value BETWEEN -1e6 AND 1e6),
    context     jsonb CHECK (jsonb_typeof(context) = 'object'),
    occurred_at timestamptz NOT NULL CHECK (isfinite(occurred_at)),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgrec.events IS 'Interaction events; event_id (client supplied) makes delivery exactly-once.';

CREATE UNIQUE INDEX events_event_id ON pgrec.events (event_id) WHERE event_id IS NOT NULL;
-- "This user's recent events": exclusions, history-based scores, real-time feed updates.
CREATE INDEX events_user_time ON pgrec.events (user_id, occurred_at DESC) INCLUDE (item_id, type);
-- Per-item aggregates and item-to-item transitions.
CREATE INDEX events_item_time ON pgrec.events (item_id, occurred_at);
CREATE INDEX events_time_brin ON pgrec.events USING brin (occurred_at) WITH (pages_per_range = 32);
-- "How many events arrived since step X last ran?" (rec.due_steps).
CREATE INDEX events_recorded_brin ON pgrec.events USING brin (recorded_at) WITH (pages_per_range = 32);

-- Events with what they are worth, so every aggregate agrees on one definition:
--   weight    the type's weight, or weight * (value - neutral_value) for ratings;
--   polarity  +1 interest, -1 rejection, 0 exposure (ratings: the sign of the weight).
CREATE VIEW pgrec.weighted_events AS
SELECT e.id,
       e.user_id,
       e.item_id,
       e.type,
       e.value,
       e.occurred_at,
       e.recorded_at,
       CASE WHEN t.neutral_value IS NULL THEN t.weight
            ELSE t.weight * (coalesce(e.value, t.neutral_value) - t.neutral_value)
       END AS weight,
       CASE WHEN t.neutral_value IS NULL THEN t.polarity
            ELSE sign(coalesce(e.value, t.neutral_value) - t.neutral_value)::smallint
       END AS polarity
FROM pgrec.events AS e
JOIN pgrec.event_types AS t ON t.type = e.type;
COMMENT ON VIEW pgrec.weighted_events IS 'Events with effective weight and polarity from pgrec.event_types.';

-- ==== sql/schema/0090_onboarding.sql
-- Onboarding: a few questions a new user answers, each option worth some tag preferences.
-- rec.submit_onboarding turns answers into pgrec.user_tags rows. The seed questions fit the
-- demo catalogue; an installation replaces them with its own (they are plain rows).
CREATE TABLE pgrec.onboarding_questions (
    question_id text PRIMARY KEY CHECK (question_id ~ '^[a-z][a-z0-9_-]{0,63}$'),
    position    integer NOT NULL,
    prompt      text NOT NULL,
    -- true: any number of options may be picked; false: exactly one.
    multiple    boolean NOT NULL DEFAULT true,
    active      boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE pgrec.onboarding_questions IS 'Onboarding questions shown to new users (rec.onboarding_questions).';

-- The options of each question and the tag preferences picking one declares: tags is
-- {"tag name": weight}, weight in (0, 10] like pgrec.user_tags.weight.
CREATE TABLE pgrec.onboarding_options (
    question_id text NOT NULL REFERENCES pgrec.onboarding_questions (question_id) ON DELETE CASCADE,
    option_id   text NOT NULL CHECK (option_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    position    integer NOT NULL,
    label       text NOT NULL,
    tags        jsonb NOT NULL CHECK (jsonb_typeof(tags) = 'object'),
    PRIMARY KEY (question_id, option_id)
);
COMMENT ON TABLE pgrec.onboarding_options IS 'Options of onboarding questions, each with the tag preferences {tag: weight} it declares.';

-- What each user answered, kept so onboarding is not asked twice (rec.status) and so the
-- preferences it produced can be traced back. Erased with the user.
CREATE TABLE pgrec.onboarding_answers (
    user_id     bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    question_id text NOT NULL REFERENCES pgrec.onboarding_questions (question_id) ON DELETE CASCADE,
    option_ids  text[] NOT NULL,
    answered_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, question_id)
);
COMMENT ON TABLE pgrec.onboarding_answers IS 'Onboarding answers per user and question.';

-- ==== sql/schema/0100_ranking.sql
-- How lists are ranked, as data a DBA (and the tuner) edits: the signal vocabulary, what each
-- list excludes, the strategies (weights and parameters), and boost/bury rules. Every list
-- function (feed, trending, latest, similar, nearby, search, session, next) runs the same
-- pipeline (sql/api/20_pipeline) and differs from the others only by these rows.

-- The ranking signals, by name. Strategy weights and per-call overrides may only name these
-- (or an alias), so a typo such as "colaborative" is an error instead of a weight that silently
-- does nothing. Each signal is computed to 0..1 by the function or table in computed_by.
CREATE TABLE pgrec.feed_signals (
    signal      text PRIMARY KEY CHECK (signal ~ '^[a-z][a-z_]*$'),
    aliases     text[] NOT NULL DEFAULT '{}',
    -- false: the signal needs something about the caller (a vector, a location, history, a
    -- query) and drops out, its weight shared among the others, when there is none.
    always_on   boolean NOT NULL,
    -- The candidate source that proposes items strong on this signal (rec._candidates).
    source      text CHECK (source IN ('collaborative', 'sequence', 'keyword', 'trending', 'tags', 'vector',
                                       'nearby', 'popular', 'fresh')),
    computed_by text NOT NULL,
    description text NOT NULL
);
COMMENT ON TABLE pgrec.feed_signals IS 'Ranking signals of every list: names (and aliases) that strategy weights may use, and their candidate source.';

-- The human-readable reason each signal gives, per list (list '*' is the default). The phrase
-- is stated when the signal's value reaches min_value, and always for the row's largest term,
-- so no listed item is without a reason. {name} placeholders are filled from the row's details
-- (because, tag, category, km, age, query, window, recent, before); a phrase whose placeholder
-- has no value falls back to fallback, or is left out when that is NULL too.
CREATE TABLE pgrec.signal_phrases (
    signal    text NOT NULL REFERENCES pgrec.feed_signals (signal) ON DELETE CASCADE,
    list      text NOT NULL DEFAULT '*',
    phrase    text NOT NULL,
    fallback  text,
    min_value double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (signal, list)
);
COMMENT ON TABLE pgrec.signal_phrases IS 'Reason phrases per signal and list (''*'' = any), stated above min_value and always for the largest term.';

-- What a list leaves out for a user, by name, so that each list declares it instead of
-- retyping it. Blocked tags and items that are not live are left out of every list; these are
-- the differences, each with its reason.
CREATE TABLE pgrec.exclusion_policies (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    own_items   boolean NOT NULL,   -- items the user created (creator_id = user id)
    interacted  boolean NOT NULL,   -- anything the user has an event on, views included
    acted       boolean NOT NULL,   -- anything the user did more than view (like, save, dismiss, ...)
    dismissed   boolean NOT NULL,   -- items the user rejected (negative polarity)
    anchors     boolean NOT NULL,   -- the items the list starts from (a similar item, a session)
    description text NOT NULL
);
COMMENT ON TABLE pgrec.exclusion_policies IS 'Named exclusion policies: which of the user''s items a list leaves out, and why.';

-- Named ranking strategies: a weight per signal plus the parameters of candidate generation
-- and re-ranking. A list function picks one (rec.feed(..., strategy)); each strategy serves one
-- list. Weights need not sum to 1: the signals that have data for the call keep their weights,
-- rescaled to sum to 1.
CREATE TABLE pgrec.strategies (
    name              text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    list              text NOT NULL CHECK (list IN ('feed', 'trending', 'latest', 'similar', 'nearby', 'search',
                                                    'session', 'next')),
    description       text NOT NULL,
    weights           jsonb NOT NULL CHECK (jsonb_typeof(weights) = 'object'),
    -- false: never use anything about the user (the non-personalised feed).
    personalized      boolean NOT NULL DEFAULT true,
    -- The strategy served instead to users below the personalisation thresholds (rec.status);
    -- NULL: the same strategy for everyone.
    cold_start        text REFERENCES pgrec.strategies (name) ON UPDATE CASCADE,
    exclusion_policy  text NOT NULL REFERENCES pgrec.exclusion_policies (name) ON UPDATE CASCADE,
    -- true: popular and fresh items are always candidates, so the list is never empty while
    -- live items exist; false: only items some weighted signal supports (score > 0) are listed.
    fallback          boolean NOT NULL DEFAULT true,
    -- Age at which a history event counts 1/e as much (collaborative, interests, user vector).
    history_tau_days  double precision NOT NULL DEFAULT 30 CHECK (history_tau_days > 0),
    -- Item age at which the recency signal has fallen to 1/e.
    recency_tau_days  double precision NOT NULL DEFAULT 14 CHECK (recency_tau_days > 0),
    -- Candidates per source and call (rec._candidates): scoring costs per candidate, so this
    -- bounds the work of a call; a page deeper than the pool holds comes back short.
    candidate_limit   integer NOT NULL DEFAULT 100 CHECK (candidate_limit BETWEEN 10 AND 2000),
    -- The candidate sources the strategy draws from (pgrec.feed_signals.source); NULL: every
    -- source whose signals weigh at least 0.05. A trending list ranks the trending set only,
    -- however much a user's interests weigh in its order.
    sources           text[] CHECK (sources <@ ARRAY['collaborative', 'sequence', 'keyword', 'trending', 'tags',
                                                     'vector', 'nearby', 'popular', 'fresh']),
    -- Subtracted per higher-ranked item of the same category.
    diversity_penalty double precision NOT NULL DEFAULT 0 CHECK (diversity_penalty >= 0),
    -- At most this many items of one category in each block of category_window positions.
    max_per_category  integer NOT NULL DEFAULT 10 CHECK (max_per_category >= 1),
    category_window   integer NOT NULL DEFAULT 10 CHECK (category_window >= 1),
    CHECK (max_per_category <= category_window)
);
COMMENT ON TABLE pgrec.strategies IS 'Ranking strategies: the list they serve, signal weights, exclusion policy and ranking parameters.';

-- Weight keys must be signal names (pgrec.feed_signals), checked here so a DBA's typo fails
-- on UPDATE rather than at the next call. Canonical names only: aliases are for callers.
CREATE FUNCTION pgrec.check_strategy_weights()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_bad text;
BEGIN
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad
    FROM jsonb_each(NEW.weights) AS w(k, v)
    WHERE k NOT IN (SELECT s.signal FROM pgrec.feed_signals AS s)
       OR jsonb_typeof(v) <> 'number' OR (v #>> '{}')::float8 < 0 OR (v #>> '{}')::float8 > 1000;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'strategy "%": bad weights for %', NEW.name, v_bad
            USING ERRCODE = '22023', HINT = 'Weights are {signal: number 0..1000}; signals are listed in pgrec.feed_signals.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION pgrec.check_strategy_weights() IS 'Trigger: strategy weights must be {signal: number 0..1000} over pgrec.feed_signals.';

CREATE TRIGGER strategies_check_weights
    BEFORE INSERT OR UPDATE OF weights ON pgrec.strategies
    FOR EACH ROW EXECUTE FUNCTION pgrec.check_strategy_weights();

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

-- ==== sql/schema/0110_item_stats.sql
-- User-independent facts about items and creators, recomputed from events by refresh steps
-- (sql/api/40_refresh). Lists read one row per candidate here instead of summing events per
-- call. Every score is 0..1 so it blends with the other signals without further work; the
-- formulas are in the refresh functions, not here.

-- Per-item engagement (refresh step stats).
CREATE TABLE pgrec.item_stats (
    item_id          bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    events           bigint NOT NULL,
    engagement       double precision NOT NULL,
    engagement_score double precision NOT NULL CHECK (engagement_score BETWEEN 0 AND 1),
    like_count       bigint NOT NULL,
    positive_users   bigint NOT NULL,
    popularity       double precision NOT NULL CHECK (popularity BETWEEN 0 AND 1),
    velocity         double precision NOT NULL CHECK (velocity BETWEEN 0 AND 1),
    last_event_at    timestamptz NOT NULL
);
COMMENT ON TABLE pgrec.item_stats IS 'Engagement, popularity and velocity per item, 0..1 scores (refresh step: stats).';
-- The popular candidate source and cold lists read "most engaging first".
CREATE INDEX item_stats_score ON pgrec.item_stats (engagement_score DESC, item_id);

-- Creator quality (refresh step stats): how much engagement a creator's items earn.
CREATE TABLE pgrec.creator_stats (
    creator_id text PRIMARY KEY,
    items      bigint NOT NULL,
    engagement double precision NOT NULL,
    score      double precision NOT NULL CHECK (score BETWEEN 0 AND 1)
);
COMMENT ON TABLE pgrec.creator_stats IS 'Creator quality score 0..1 from the engagement of their items (refresh step: stats).';

-- For each tag, its 100 most engaging live items (refresh step stats): the tags candidate
-- source reads a few short ranked lists, constant work, where ranking every item carrying a
-- popular tag would grow with the catalogue.
CREATE TABLE pgrec.tag_top_items (
    tag_id  integer NOT NULL REFERENCES pgrec.tags (id),
    rank    integer NOT NULL CHECK (rank >= 1),
    item_id bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, rank)
);
COMMENT ON TABLE pgrec.tag_top_items IS 'Top 100 live items per tag by engagement (refresh step: stats).';

-- The 24-hour trending list as of its last refresh (refresh step trending, every few
-- minutes). rec.trending serves it for the default window; other windows are computed per call
-- with the same formula (rec._trending_scores).
CREATE TABLE pgrec.trending (
    item_id       bigint PRIMARY KEY REFERENCES pgrec.items (id) ON DELETE CASCADE,
    score         double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    raw_score     double precision NOT NULL,
    recent        double precision NOT NULL,
    previous      double precision NOT NULL,
    recent_events bigint NOT NULL,
    age_days      double precision NOT NULL,
    basis         text NOT NULL CHECK (basis IN ('velocity', 'popularity')),
    as_of         timestamptz NOT NULL
);
COMMENT ON TABLE pgrec.trending IS 'Trending items over the last 24 hours as of the last refresh (refresh step: trending); score 0..1.';
-- Lists read it best first.
CREATE INDEX trending_score ON pgrec.trending (score DESC, item_id);

-- ==== sql/schema/0120_neighbors.sql
-- Item-to-item relations learnt from behaviour (refresh steps neighbors, neighbors_history,
-- transitions). Serving only reads these tables.

-- "People who engaged with A also engaged with B": the best neighbours per item with a score,
-- from co-occurring events (sources 'cooccurrence' and 'history'), or from a fitted model
-- that writes its own rows under its own source.
CREATE TABLE pgrec.item_neighbors (
    item_id     bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    neighbor_id bigint NOT NULL REFERENCES pgrec.items (id) ON DELETE CASCADE,
    score       real NOT NULL CHECK (score > 0),
    source      text NOT NULL DEFAULT 'cooccurrence',
    PRIMARY KEY (item_id, neighbor_id),
    CHECK (item_id <> neighbor_id)
);
COMMENT ON TABLE pgrec.item_neighbors IS 'Top item-to-item neighbours with a similarity score (refresh steps: neighbors, neighbors_history, models).';
-- Which items have rows from a fitted model rather than co-occurrence: the collaborative
-- signal asks this for every history item of every call; the partial index answers with one
-- probe and stays empty (free) until a model writes rows.
CREATE INDEX item_neighbors_models ON pgrec.item_neighbors (item_id, source) WHERE source NOT IN ('cooccurrence', 'history');

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

-- ==== sql/schema/0130_user_vectors.sql
-- Stored user taste vectors (refresh step user_vectors): the mean of the normalised embeddings
-- of a user's recent positive items. Serving uses a stored row only while no newer positive
-- event exists, and otherwise computes the vector on the fly, so a like moves the vector side
-- of the next feed without waiting for a refresh. Same dimension as pgrec.items.embedding.
DO $$
BEGIN
    EXECUTE format($ddl$
        CREATE TABLE pgrec.user_vectors (
            user_id       bigint PRIMARY KEY REFERENCES pgrec.users (id) ON DELETE CASCADE,
            embedding     public.vector(%s) NOT NULL,
            items         integer NOT NULL CHECK (items > 0),
            -- The newest positive event the vector includes, and the clock it was computed at.
            last_event_at timestamptz NOT NULL,
            computed_at   timestamptz NOT NULL
        )$ddl$, coalesce(nullif(current_setting('pgrec.embedding_dim', true), ''), '384'));
END $$;
COMMENT ON TABLE pgrec.user_vectors IS 'User taste vectors: mean embedding of recent positive items (refresh step: user_vectors).';

-- ==== sql/schema/0140_refresh.sql
-- Derived data is recomputed in named steps, and the schedule is data: each step's cadence,
-- the number of new events that makes it due early, and the steps whose output it uses. The
-- scheduler asks rec.due_steps() what is due and runs each with rec.refresh(step); a DBA runs
-- them with SELECT rec.refresh(). Seed rows: sql/seed/0060_refresh_steps.sql.
CREATE TABLE pgrec.refresh_steps (
    step           text PRIMARY KEY CHECK (step ~ '^[a-z][a-z0-9_]{0,62}$'),
    -- Order of rec.refresh('all'); a step comes after the steps it depends on.
    position       integer NOT NULL UNIQUE,
    description    text NOT NULL,
    -- sql: the function rec._refresh_<step>(), run by rec.refresh. python: work that needs the
    -- application (an embeddings provider, a numpy model fit), run by `pgrec refresh` and the
    -- scheduler, recorded in the same run log.
    runner         text NOT NULL DEFAULT 'sql' CHECK (runner IN ('sql', 'python')),
    -- Due when the last successful run is older than this ...
    every          interval NOT NULL CHECK (every > interval '0'),
    -- ... or this many events were recorded since it (NULL: cadence only) ...
    min_new_events integer CHECK (min_new_events > 0),
    -- ... or these steps wrote at least min_new_events rows (1 without it) since it.
    depends_on     text[] NOT NULL DEFAULT '{}',
    enabled        boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE pgrec.refresh_steps IS 'Refresh steps: order, runner (sql|python), cadence, early trigger by new events or dependencies.';

-- Every run, including skipped and failed ones, so a DBA can see freshness and cost.
CREATE TABLE pgrec.refresh_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    step        text NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    rows        bigint,
    outcome     text NOT NULL CHECK (outcome IN ('ok', 'skipped', 'error')),
    detail      text,
    caller      text NOT NULL DEFAULT current_user
);
COMMENT ON TABLE pgrec.refresh_runs IS 'History of refresh step runs: when, how long, rows written, outcome, who ran it.';
CREATE INDEX refresh_runs_step_time ON pgrec.refresh_runs (step, started_at DESC);

-- One row per refresh step: when it last ran, how it went, and when it last succeeded, so a
-- DBA sees freshness at a glance:  SELECT * FROM pgrec.refresh_status;
CREATE VIEW pgrec.refresh_status AS
SELECT s.step,
       s.position,
       s.description,
       s.runner,
       s.every,
       s.enabled,
       l.started_at   AS last_started_at,
       l.outcome      AS last_outcome,
       l.rows         AS last_rows,
       extract(epoch FROM l.finished_at - l.started_at)::double precision AS last_seconds,
       l.detail       AS last_detail,
       ok.started_at  AS last_ok_started_at,
       ok.finished_at AS last_ok_at,
       ok.rows        AS last_ok_rows
FROM pgrec.refresh_steps AS s
LEFT JOIN LATERAL (SELECT r.* FROM pgrec.refresh_runs AS r
                   WHERE r.step = s.step ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS l ON true
LEFT JOIN LATERAL (SELECT r.* FROM pgrec.refresh_runs AS r
                   WHERE r.step = s.step AND r.outcome = 'ok' ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS ok ON true;
COMMENT ON VIEW pgrec.refresh_status IS 'Latest run and latest successful run of each refresh step.';

-- ==== sql/schema/0150_api_keys.sql
-- API keys for the HTTP API. Only a SHA-256 digest of each secret is stored: a leaked backup
-- or a curious DBA cannot call the API with what is in this table. A key is looked up by its
-- public prefix (the part of the secret before the last underscore), so verification is one
-- index probe and one digest comparison, never a scan over all keys.
CREATE TABLE pgrec.api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$'),
    prefix       text NOT NULL UNIQUE CHECK (prefix ~ '^[0-9a-f]{12}$'),
    secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
    scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'admin'] AND cardinality(scopes) > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Updated at most once a minute per key, so authentication does not turn every read
    -- request into a write.
    last_used_at timestamptz,
    revoked_at   timestamptz
);
COMMENT ON TABLE pgrec.api_keys IS 'HTTP API keys: name, public prefix, SHA-256 of the secret, scopes (read, write, admin), revocation.';

-- ==== sql/seed/0010_event_types.sql
-- The event types a fresh installation knows (pgrec.event_types). A DBA may re-weight them or
-- add types; rec.track accepts any type listed here.
INSERT INTO pgrec.event_types (type, weight, polarity, neutral_value, min_value, max_value, description) VALUES
    ('view',     1,  0, NULL, NULL, NULL, 'item was shown or opened'),
    ('click',    2,  1, NULL, NULL, NULL, 'user clicked through'),
    ('like',     4,  1, NULL, NULL, NULL, 'explicit like'),
    ('save',     5,  1, NULL, NULL, NULL, 'saved or bookmarked'),
    ('share',    3,  1, NULL, NULL, NULL, 'shared with someone'),
    ('apply',   10,  1, NULL, NULL, NULL, 'applied, bought or enrolled: the strongest intent'),
    ('complete', 8,  1, NULL, NULL, NULL, 'finished (a lesson, a course, an order)'),
    ('rate',     2,  1,    3,  0.5,    5, 'rating 0.5..5; weight * (value - 3)'),
    ('dismiss', -5, -1, NULL, NULL, NULL, 'not interested');

-- ==== sql/seed/0020_tags.sql
-- How much a declared preference match counts per tag kind (pgrec.tag_kinds): a matching tool
-- says more about a project than a matching topic.
INSERT INTO pgrec.tag_kinds (kind, weight) VALUES
    ('tool', 0.5), ('category', 0.3), ('topic', 0.2), ('tag', 0.2);

-- ==== sql/seed/0030_embeddings.sql
-- Item attributes that are part of the embedded text (pgrec.embedding_attributes).
INSERT INTO pgrec.embedding_attributes (key) VALUES
    ('kind'), ('level'), ('category'), ('genre'), ('brand'), ('skills'), ('language');

-- ==== sql/seed/0040_ranking.sql
-- The signal vocabulary, reason phrases, exclusion policies and strategy presets of a fresh
-- installation. Presets are starting points: `pgrec tune` fits the installation's own blend.

INSERT INTO pgrec.feed_signals (signal, aliases, always_on, source, computed_by, description) VALUES
    ('vector',        '{content}',     false, 'vector',        'rec._signal_vector',
     'cosine similarity between the item embedding and the list''s anchor vector (user taste, item, session or query), max(0, 1 - distance)'),
    ('explicit',      '{preferences}', false, 'tags',          'rec._signal_explicit',
     'declared tag preferences matched by the item, weighted per tag and per tag kind'),
    ('tags',          '{jaccard}',     false, 'tags',          'rec._signal_tags',
     'weighted Jaccard overlap between the anchor tags (the user''s interests, an item''s or a session''s tags) and the item''s tags'),
    ('behavioral',    '{}',            false, NULL,            'rec._signal_behavioral',
     'creator affinity boost minus a penalty for items already viewed'),
    ('collaborative', '{}',            false, 'collaborative', 'rec._collaborative',
     'item-item neighbours of the anchor items (the user''s positive history, an item, a session), scaled by the best'),
    ('sequence',      '{}',            false, 'sequence',      'rec._sequence',
     'what other users went on to after the anchor items (pgrec.item_transitions), scaled by the best'),
    ('keyword',       '{}',            false, 'keyword',       'rec._keyword_matches',
     'full-text match of the query: 61 / (60 + rank by ts_rank, title first), 1 for the best match'),
    ('engagement',    '{}',            true,  'popular',       'pgrec.item_stats',
     'ln(1 + sum of event weights) over the item''s events, scaled by the catalogue maximum'),
    ('popularity',    '{}',            true,  'popular',       'pgrec.item_stats',
     'like_count / max like_count'),
    ('velocity',      '{}',            true,  NULL,            'pgrec.item_stats',
     'engagement in the last 7 days against the 7 days before'),
    ('trending',      '{}',            false, 'trending',      'rec._trending',
     'the trending score of the window (pgrec.trending for 24 hours), scaled by the top item'),
    ('recency',       '{}',            true,  'fresh',         'rec._signal_recency',
     '0.8 exp(-age_days / tau) + 0.2 while younger than 24 hours'),
    ('location',      '{nearby}',      false, 'nearby',        'rec._signal_location',
     'exp(-distance / (reach / 3)) from the anchor point (the user''s location, or the point asked for)'),
    ('creator',       '{}',            true,  NULL,            'pgrec.creator_stats',
     'creator quality: the engagement a creator''s items earn, smoothed'),
    ('price',         '{}',            false, NULL,            'rec._signal_price',
     '1 inside the user''s price range, decaying outside');

INSERT INTO pgrec.signal_phrases (signal, list, phrase, fallback, min_value) VALUES
    ('vector',        '*',        'similar to what you liked', NULL, 0.5),
    ('vector',        'similar',  'similar content', NULL, 0.8),
    ('vector',        'search',   'close in meaning', NULL, 0.5),
    ('vector',        'session',  'similar to what you are viewing', NULL, 0.8),
    ('explicit',      '*',        'matches your interest in {pref_tag}', 'matches your interests', 0.01),
    ('tags',          '*',        'matches your interest in {interest_tag}', 'matches your interests', 0.1),
    ('tags',          'similar',  'shares tags with {anchor}', 'shares tags', 0.3),
    ('tags',          'session',  'same topics', NULL, 0.3),
    ('behavioral',    '*',        'from a creator you liked', NULL, 0.01),
    ('collaborative', '*',        'because you liked {because}', 'people with similar taste liked this', 0.1),
    ('collaborative', 'similar',  'people who liked {anchor} also liked this', NULL, 0.2),
    ('collaborative', 'session',  'people who viewed these also liked this', NULL, 0.1),
    ('collaborative', 'next',     'people who liked {because} also liked this', NULL, 0.1),
    ('sequence',      '*',        'what others did next after {because}', NULL, 0.01),
    ('sequence',      'session',  'what others looked at next', NULL, 0.01),
    ('keyword',       '*',        'matches "{query}"', NULL, 0.0001),
    ('engagement',    '*',        'popular in {category}', 'popular', 0.5),
    ('popularity',    '*',        'popular in {category}', 'popular', 0.5),
    ('velocity',      '*',        'picking up fast', NULL, 0.5),
    ('trending',      '*',        'trending now', NULL, 0.2),
    ('trending',      'trending', 'engagement {recent} in the last {window}{before}', 'popular (nothing is trending right now)', 0),
    ('recency',       '*',        'new ({age})', NULL, 0.6),
    ('recency',       'latest',   '{age}', NULL, 0),
    ('location',      '*',        'near you ({km})', NULL, 0.3),
    ('location',      'nearby',   '{km} away', NULL, 0),
    ('creator',       '*',        'from a popular creator', NULL, 0.7),
    ('price',         '*',        'within your budget', NULL, 1);

INSERT INTO pgrec.exclusion_policies (name, own_items, interacted, acted, dismissed, anchors, description) VALUES
    ('unseen',      true,  true,  true,  true,  true,
     'a feed shows something new: nothing the user made, acted on or was already shown'),
    ('unacted',     true,  false, true,  true,  true,
     'items only viewed stay (with the behavioral penalty): discovery, or a next lesson opened but not finished'),
    ('undismissed', true,  false, false, true,  false,
     'a map shows what is there, except the user''s own items and what they rejected'),
    ('anchors',     false, false, false, false, true,
     'an anonymous session: only the items it starts from are left out'),
    ('none',        false, false, false, false, false,
     'search results, trending and newest lists answer the question as asked');

-- Feed presets. default was searched on the synthetic generator and is a guess for any real
-- catalogue; `pgrec tune` fits the installation's own blend (strategy tuned) from its events.
-- A tight category cap costs accuracy for users with one or two interests, so default caps at
-- 8 of 10; explore keeps 3. cold_start serves users below the personalisation thresholds.
INSERT INTO pgrec.strategies (name, list, description, weights, personalized, cold_start, exclusion_policy, fallback,
                              history_tau_days, recency_tau_days, candidate_limit, diversity_penalty,
                              max_per_category, category_window) VALUES
    ('cold_start', 'feed', 'New users: onboarding preferences, trending, nearby and popular items.',
     '{"explicit": 0.25, "collaborative": 0.20, "trending": 0.15, "location": 0.10, "engagement": 0.20,
       "recency": 0.10}',
     true, NULL, 'unseen', true, 30, 14, 100, 0.02, 3, 10),
    ('default', 'feed', 'Balanced personal feed: collaborative neighbours first, then declared and observed interests, engagement and freshness.',
     '{"collaborative": 0.48, "explicit": 0.17, "tags": 0.11, "engagement": 0.07, "popularity": 0.04,
       "recency": 0.03, "vector": 0.03, "behavioral": 0.03, "velocity": 0.01, "trending": 0.01,
       "location": 0.01, "creator": 0.01}',
     true, 'cold_start', 'unseen', true, 30, 14, 100, 0.02, 8, 10),
    ('explore', 'feed', 'Discovery: content similarity and declared interests over what is popular.',
     '{"vector": 0.30, "explicit": 0.25, "behavioral": 0.25, "collaborative": 0.15, "popularity": 0.05}',
     true, 'cold_start', 'unacted', true, 30, 14, 100, 0.02, 3, 10),
    ('marketplace', 'feed', 'Local listings: distance first, then interests, engagement and freshness.',
     '{"location": 0.25, "tags": 0.20, "engagement": 0.15, "recency": 0.10, "creator": 0.10,
       "collaborative": 0.10, "vector": 0.10}',
     true, 'cold_start', 'unseen', true, 30, 7, 100, 0.02, 4, 10),
    ('popular', 'feed', 'Non-personalised: what engages most, with freshness.',
     '{"engagement": 0.80, "recency": 0.20}',
     false, NULL, 'unseen', true, 30, 14, 100, 0.02, 4, 10);

-- Presets of the other lists: each is a strategy of the same pipeline, tunable like a feed.
INSERT INTO pgrec.strategies (name, list, description, weights, personalized, cold_start, exclusion_policy, fallback,
                              history_tau_days, recency_tau_days, candidate_limit, sources, diversity_penalty,
                              max_per_category, category_window) VALUES
    ('trending', 'trending', 'Engagement velocity, lightly reordered by the user''s tag interests.',
     '{"trending": 1, "tags": 0.3}', true, NULL, 'none', false, 30, 14, 200, '{trending}', 0, 10, 10),
    ('latest', 'latest', 'Newest first.',
     '{"recency": 1}', false, NULL, 'none', false, 30, 30, 100, '{fresh}', 0, 10, 10),
    ('similar', 'similar', 'Items like a given one: content, co-engagement and shared tags.',
     '{"vector": 0.5, "collaborative": 0.3, "tags": 0.2}', false, NULL, 'unseen', false, 30, 14, 50, NULL, 0, 10, 10),
    ('nearby', 'nearby', 'Items around a point: distance first, then engagement and the user''s interests.',
     '{"location": 0.7, "engagement": 0.3, "tags": 0.35}', true, NULL, 'undismissed', false, 30, 14, 300,
     '{nearby}', 0, 10, 10),
    ('search', 'search', 'Keywords and meaning, with the user''s interests as a tie-breaker.',
     '{"keyword": 0.5, "vector": 0.5, "tags": 0.25}', true, NULL, 'none', false, 30, 14, 50, '{keyword,vector}', 0, 10, 10),
    ('session', 'session', 'An anonymous visitor''s next items from what this session viewed.',
     '{"collaborative": 0.35, "sequence": 0.2, "vector": 0.25, "tags": 0.15, "engagement": 0.05}',
     false, NULL, 'anchors', false, 30, 14, 200, NULL, 0, 10, 10),
    ('next', 'next', 'Next steps after the user''s latest items: what others did next, then neighbours.',
     '{"sequence": 0.8, "collaborative": 0.2}', true, NULL, 'unacted', false, 30, 14, 100, NULL, 0, 10, 10);

-- ==== sql/seed/0050_onboarding.sql
-- Onboarding questions that fit the demo catalogue; an installation replaces them with its own.
INSERT INTO pgrec.onboarding_questions (question_id, position, prompt, multiple) VALUES
    ('interests', 10, 'What are you into? Pick as many as you like.', true),
    ('tools', 20, 'Which of these do you use?', true),
    ('level', 30, 'How experienced are you?', false);

INSERT INTO pgrec.onboarding_options (question_id, option_id, position, label, tags) VALUES
    ('interests', 'design', 10, 'Design', '{"category:design": 1}'),
    ('interests', 'photography', 20, 'Photography', '{"category:photography": 1}'),
    ('interests', 'programming', 30, 'Programming', '{"category:programming": 1}'),
    ('interests', 'data', 40, 'Data', '{"category:data": 1}'),
    ('interests', 'music', 50, 'Music', '{"category:music": 1}'),
    ('interests', 'cooking', 60, 'Cooking', '{"category:cooking": 1}'),
    ('interests', 'fitness', 70, 'Fitness', '{"category:fitness": 1}'),
    ('interests', 'woodworking', 80, 'Woodworking', '{"category:woodworking": 1}'),
    ('interests', 'gardening', 90, 'Gardening', '{"category:gardening": 1}'),
    ('interests', 'languages', 100, 'Languages', '{"category:languages": 1}'),
    ('tools', 'python', 10, 'Python', '{"tool:python": 1}'),
    ('tools', 'figma', 20, 'Figma', '{"tool:figma": 1}'),
    ('tools', 'camera', 30, 'A camera', '{"tool:camera": 1}'),
    ('tools', 'guitar', 40, 'Guitar', '{"tool:guitar": 1}'),
    ('tools', 'oven', 50, 'An oven', '{"tool:oven": 1}'),
    ('tools', 'chisel', 60, 'Chisels', '{"tool:chisel": 1}'),
    ('level', 'beginner', 10, 'Just starting', '{"beginner": 1}'),
    ('level', 'some', 20, 'I know my way around', '{"community": 0.5}'),
    ('level', 'advanced', 30, 'Advanced', '{"advanced": 1}');

-- ==== sql/seed/0060_refresh_steps.sql
-- The refresh steps and their schedule (pgrec.refresh_steps). A DBA changes a cadence with
-- UPDATE pgrec.refresh_steps SET every = '10 minutes' WHERE step = 'stats'; the scheduler reads
-- it on its next tick.
INSERT INTO pgrec.refresh_steps (step, position, description, runner, every, min_new_events, depends_on) VALUES
    ('embeddings',        10, 'embed new and edited items with the configured provider (pgrec.items.embedding)',
     'python', '1 minute', NULL, '{}'),
    ('stats',            100, 'engagement, popularity and velocity per item, creator quality, top items per tag (pgrec.item_stats, pgrec.creator_stats, pgrec.tag_top_items)',
     'sql', '1 hour', NULL, '{}'),
    ('trending',         150, 'trending items over the last 24 hours (pgrec.trending)',
     'sql', '5 minutes', NULL, '{}'),
    ('neighbors',        200, 'item-to-item co-occurrence neighbours over the last 180 days (pgrec.item_neighbors)',
     'sql', '1 day', 5000, '{}'),
    ('neighbors_history', 210, 'co-occurrence neighbours over all history for items the neighbors window leaves out (pgrec.item_neighbors, source history)',
     'sql', '1 day', NULL, '{}'),
    ('transitions',      250, 'what users did next after each item (pgrec.item_transitions)',
     'sql', '1 hour', NULL, '{}'),
    ('user_vectors',     400, 'user taste vectors from recent positive items (pgrec.user_vectors)',
     'sql', '1 day', 1000, '{embeddings}');
