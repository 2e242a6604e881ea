-- Record interaction events. The batch is validated whole (one bad element rejects it and
-- nothing is stored); events whose event_id was already recorded are skipped, so a client can
-- retry a batch after a timeout without double counting. Unknown users are created on the
-- spot, except users who were erased (rec.forget_user): a retried old batch must not bring
-- them back. Unknown items are an error, because an event about an item pgrec cannot rank is
-- almost always a client bug (items must be upserted first).
--
-- Concurrency: new users and new events are inserted in id order, so concurrent batches that
-- share users or event ids wait for each other in one order and never deadlock.
CREATE FUNCTION rec.track(events jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_allowed constant text[] := ARRAY['event_id', 'user_id', 'item_id', 'type', 'value', 'at', 'context'];
    v_now     constant timestamptz := rec.now();
    v_bad     record;
    v_new     integer;
BEGIN
    PERFORM rec._check_batch('events', events, 10000);

    SELECT t.ord - 1 AS idx, t.e ->> 'event_id' AS id, c.code, c.problem INTO v_bad
    FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, ord)
    LEFT JOIN pgrec.event_types AS et ON et.type = t.e ->> 'type'
    CROSS JOIN LATERAL (VALUES
        (1, '22023', CASE WHEN jsonb_typeof(t.e) <> 'object' THEN 'must be a JSON object' END),
        (2, '22004', CASE WHEN jsonb_typeof(t.e) = 'object' THEN
            CASE WHEN coalesce(jsonb_typeof(t.e -> 'user_id'), 'null') = 'null' THEN 'user_id is required'
                 WHEN coalesce(jsonb_typeof(t.e -> 'item_id'), 'null') = 'null' THEN 'item_id is required'
                 WHEN coalesce(jsonb_typeof(t.e -> 'type'), 'null') = 'null' THEN 'type is required' END END),
        (3, '22023', CASE WHEN jsonb_typeof(t.e) = 'object' THEN coalesce(
            'unknown keys ' || rec._unknown_keys(t.e, v_allowed),
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
    LIMIT 1;
    IF FOUND THEN
        PERFORM rec._raise_batch_problem('events', v_bad.idx, v_bad.id, v_bad.code, v_bad.problem,
            'An event is {"user_id": text, "item_id": text, "type": one of pgrec.event_types, '
            '"event_id"?, "value"?, "at"?: ISO-8601 timestamp, "context"?: {}}.');
    END IF;

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

    SELECT t.ord - 1 AS idx, t.e ->> 'user_id' AS id INTO v_bad
    FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, ord)
    WHERE NOT EXISTS (SELECT FROM pgrec.users AS u WHERE u.external_id = t.e ->> 'user_id')
      AND EXISTS (SELECT FROM pgrec.forgotten_users AS f WHERE f.id_digest = rec._user_digest(t.e ->> 'user_id'))
    ORDER BY t.ord
    LIMIT 1;
    IF FOUND THEN
        PERFORM rec._raise_batch_problem('events', v_bad.idx, NULL, '22023',
            format('user "%s" was erased at their request and is not re-created', v_bad.id),
            'Drop events of erased users; an administrator can lift this with rec.unforget_user.');
    END IF;

    INSERT INTO pgrec.users (external_id, created_at)
    SELECT DISTINCT e ->> 'user_id', v_now
    FROM jsonb_array_elements(events) AS e
    ORDER BY 1
    ON CONFLICT (external_id) DO NOTHING;

    -- ON CONFLICT on the partial unique index: a repeated event_id, from an earlier call or
    -- earlier in this batch, is skipped and not counted.
    INSERT INTO pgrec.events (event_id, user_id, item_id, type, value, context, occurred_at)
    SELECT e ->> 'event_id', u.id, i.id, e ->> 'type', (e ->> 'value')::real,
           CASE WHEN jsonb_typeof(e -> 'context') = 'object' THEN e -> 'context' END,
           coalesce((e ->> 'at')::timestamptz, v_now)
    FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, ord)
    JOIN pgrec.users AS u ON u.external_id = e ->> 'user_id'
    JOIN pgrec.items AS i ON i.external_id = e ->> 'item_id'
    ORDER BY e ->> 'event_id', t.ord
    ON CONFLICT (event_id) WHERE event_id IS NOT NULL DO NOTHING;
    GET DIAGNOSTICS v_new = ROW_COUNT;
    RETURN v_new;
END;
$$;
COMMENT ON FUNCTION rec.track(jsonb) IS
'Record a JSON array of events {event_id?, user_id, item_id, type, value?, at?, context?}. Validated whole; repeated event_ids are skipped; unknown users are created (erased users are refused, 22023); unknown items raise P0002. Returns the number of new events.';
