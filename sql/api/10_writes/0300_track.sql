-- Record interaction events. The batch is validated whole (one bad element rejects it and
-- nothing is stored); events whose event_id was already recorded for the same user are skipped,
-- so a client can retry a batch after a timeout without double counting. Unknown users are
-- created on the spot, except users who were erased (rec.forget_user): a retried old batch
-- must not bring them back. Unknown items are an error, because an event about an item pgrec
-- cannot rank is almost always a client bug (items must be upserted first).
--
-- Exactly-once, precisely: an event_id is unique per user_id. An event is skipped (stored
-- never, counted never) when the same (user_id, event_id) pair was recorded before, by an
-- earlier call or earlier in this batch (the first occurrence wins); the same event_id sent
-- for two different users is two events. Events without an event_id are always recorded.
-- The pairs live in pgrec.event_ids rather than in a unique index on the events themselves:
-- those are partitioned by time (and on Citus distributed by user), and a unique index there
-- would have to include the time, so a retry whose "at" was left out would not be caught.
-- With a retention set (pgrec.event_partitioning), events that happened before the retention
-- horizon are skipped too: their month is no longer kept, and their ids were forgotten with it.
-- The new events update their users' profiles (rec._profile_apply_events: behaviour interests,
-- counts, a new version) in the same transaction.
--
-- Concurrency: new users and new event ids are claimed in id order, so concurrent batches that
-- share users or event ids wait for each other in one order and never deadlock; profile rows
-- are then written in user id order, for the same reason.
CREATE FUNCTION rec.track(events jsonb) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_allowed constant text[] := ARRAY['event_id', 'user_id', 'item_id', 'type', 'value', 'at', 'context'];
    v_now     constant timestamptz := rec.now();
    v_bad     record;
    v_horizon timestamptz;
    v_known   text[];
    v_ids     bigint[];
    v_new_ids bigint[];
    v_new_users bigint[];
BEGIN
    PERFORM rec._check_batch('events', events, 10000);

    -- The first problem, if any (LIMIT in a subquery: raised for that row alone).
    PERFORM rec._raise_batch_problem('events', p.idx, p.id, p.code, p.problem,
            'An event is {"user_id": text, "item_id": text, "type": one of pgrec.event_types, '
            '"event_id"?, "value"?, "at"?: ISO-8601 timestamp, "context"?: {}}.')
    FROM (SELECT t.ord - 1 AS idx, t.e ->> 'event_id' AS id, c.code, c.problem
          FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, ord)
          LEFT JOIN pgrec.event_types AS et ON et.type = t.e ->> 'type'
          CROSS JOIN LATERAL (SELECT * FROM rec._object_problems(t.e, ARRAY['user_id', 'item_id', 'type'], v_allowed)
                              UNION ALL VALUES
              (5, '22023', CASE WHEN jsonb_typeof(t.e) = 'object' THEN coalesce(
                  'user_id '  || rec._json_problem(t.e -> 'user_id', 'id'),
                  'item_id '  || rec._json_problem(t.e -> 'item_id', 'id'),
                  'event_id ' || rec._json_problem(t.e -> 'event_id', 'id'),
                  'type '     || rec._json_problem(t.e -> 'type', 'text'),
                  CASE WHEN et.type IS NULL THEN format('unknown event type "%s"', t.e ->> 'type') END,
                  'value '    || rec._json_problem(t.e -> 'value', 'number'),
                  CASE WHEN et.neutral_value IS NOT NULL AND jsonb_typeof(t.e -> 'value') IS DISTINCT FROM 'number'
                       THEN format('type "%s" needs a numeric value', et.type) END,
                  CASE WHEN jsonb_typeof(t.e -> 'value') = 'number'
                            AND ((t.e ->> 'value')::numeric < et.min_value OR (t.e ->> 'value')::numeric > et.max_value)
                       THEN format('value of a "%s" event must be between %s and %s', et.type, et.min_value, et.max_value) END,
                  'at '       || rec._json_problem(t.e -> 'at', 'timestamp'),
                  -- A day of tolerance for client clock skew; anything later is a bug that would
                  -- otherwise sit at the top of every "recent" list.
                  CASE WHEN (t.e ->> 'at')::timestamptz > v_now + interval '1 day'
                       THEN 'at is more than a day in the future' END,
                  'context '  || rec._json_problem(t.e -> 'context', 'object')) END)
          ) AS c(n, code, problem)
          WHERE c.problem IS NOT NULL
          ORDER BY t.ord, c.n
          LIMIT 1) AS p;

    SELECT t.ord - 1 AS idx, t.e ->> 'item_id' AS item INTO v_bad
    FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, ord)
    WHERE NOT EXISTS (SELECT FROM pgrec.items AS i WHERE i.external_id = t.e ->> 'item_id')
    ORDER BY t.ord
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'events[%]: unknown item "%"', v_bad.idx, v_bad.item
            USING ERRCODE = 'P0002',
                  DETAIL = format('element %s of the events batch; nothing in the batch was stored', v_bad.idx),
                  HINT = 'Create items with rec.upsert_items before tracking events about them.';
    END IF;

    SELECT coalesce(array_agg(c.external_id), '{}'), coalesce(array_agg(c.user_id), '{}') INTO v_known, v_ids
    FROM rec._create_users('events', events, 'events') AS c;

    SELECT date_trunc('month', v_now - p.retention, 'UTC') INTO v_horizon FROM pgrec.event_partitioning AS p;

    -- The first occurrence of each (user, event_id) in the batch claims the pair in
    -- pgrec.event_ids; only events whose pair was claimed here (or that carry no event_id) are
    -- stored. A pair recorded by an earlier call, or claimed by a concurrent call that commits
    -- first, is a conflict and its event is skipped.
    WITH batch AS (
        SELECT t.e, t.ord, k.user_id, i.id AS item_id,
               coalesce((t.e ->> 'at')::timestamptz, v_now) AS occurred_at,
               row_number() OVER (PARTITION BY k.user_id, t.e ->> 'event_id' ORDER BY t.ord) AS copy
        FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, ord)
        JOIN unnest(v_known, v_ids) AS k(external_id, user_id) ON k.external_id = t.e ->> 'user_id'
        JOIN pgrec.items AS i ON i.external_id = t.e ->> 'item_id'
    ),
    kept AS (
        SELECT b.* FROM batch AS b
        WHERE b.occurred_at >= coalesce(v_horizon, '-infinity')
          AND (b.e ->> 'event_id' IS NULL OR b.copy = 1)
    ),
    claimed AS (
        INSERT INTO pgrec.event_ids (user_id, event_id, occurred_at)
        SELECT k.user_id, k.e ->> 'event_id', k.occurred_at
        FROM kept AS k
        WHERE k.e ->> 'event_id' IS NOT NULL
        ORDER BY k.user_id, k.e ->> 'event_id'
        ON CONFLICT ON CONSTRAINT event_ids_pkey DO NOTHING
        RETURNING event_ids.user_id, event_ids.event_id
    ),
    inserted AS (
        INSERT INTO pgrec.events (event_id, user_id, item_id, type, value, context, occurred_at)
        SELECT k.e ->> 'event_id', k.user_id, k.item_id, k.e ->> 'type', (k.e ->> 'value')::real,
               CASE WHEN jsonb_typeof(k.e -> 'context') = 'object' THEN k.e -> 'context' END,
               k.occurred_at
        FROM kept AS k
        WHERE k.e ->> 'event_id' IS NULL
           OR EXISTS (SELECT FROM claimed AS c WHERE c.user_id = k.user_id AND c.event_id = k.e ->> 'event_id')
        ORDER BY k.e ->> 'event_id', k.ord
        RETURNING events.id, events.user_id
    )
    SELECT coalesce(array_agg(i.id), '{}'), coalesce(array_agg(DISTINCT i.user_id), '{}') INTO v_new_ids, v_new_users
    FROM inserted AS i;
    -- The new events' effect on their users' profiles, in the same transaction.
    PERFORM rec._profile_apply_events(v_new_ids, v_new_users);
    RETURN cardinality(v_new_ids);
END;
$$;
COMMENT ON FUNCTION rec.track(jsonb) IS
'Record a JSON array of events {event_id?, user_id, item_id, type, value?, at?, context?}. Validated whole; an event whose (user_id, event_id) was already recorded, by an earlier call or earlier in the batch, is skipped (event ids are unique per user); with a retention set, events before its horizon are skipped; unknown users are created (erased users are refused, 22023); unknown items raise P0002. Returns the number of new events.';
