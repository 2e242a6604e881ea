-- Everything pgrec stores about a user except their events, as one JSON document (data access
-- requests); the events follow, page by page, from rec.export_user_events, so a heavy user's
-- export never has to fit one value. The "user" part uses the shape rec.upsert_users accepts.
-- Rows of other tables that reference the user (added by later features) are included as
-- they are stored, under "other", found through their foreign keys (rec._user_references).
-- Each export is an entry in the audit log (so it writes, and is not STABLE).
CREATE FUNCTION rec.export_user(user_id text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user  pgrec.users;
    v_ref   record;
    v_rows  jsonb;
    v_other jsonb := '{}';
    v_facts jsonb;
BEGIN
    v_user := rec._user_by_id(export_user.user_id);
    IF v_user.id IS NULL THEN
        RAISE EXCEPTION 'unknown user "%"', user_id USING ERRCODE = 'P0002';
    END IF;

    FOR v_ref IN
        SELECT * FROM rec._user_references() AS r
        -- Events come page by page from rec.export_user_events; event_ids only index them.
        WHERE r.tbl NOT IN ('pgrec.events'::regclass, 'pgrec.user_tags'::regclass, 'pgrec.event_ids'::regclass)
    LOOP
        EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(t) - %L), ''[]'') FROM (SELECT * FROM %s WHERE %I = $1 LIMIT 10000) AS t',
                       v_ref.attname, v_ref.tbl, v_ref.attname)
            INTO v_rows USING v_user.id;
        IF v_rows <> '[]' THEN
            v_other := v_other || jsonb_build_object(v_ref.relname, v_rows);
        END IF;
    END LOOP;
    INSERT INTO pgrec.audit_log (action, user_digest, user_id, actor)
    VALUES ('export', rec._user_digest(v_user.external_id), v_user.external_id, rec._actor());

    v_facts := (SELECT f.facts FROM rec._profile_facts(ARRAY[v_user.id]) AS f);
    RETURN jsonb_build_object(
        'user', jsonb_strip_nulls(jsonb_build_object(
            'id', v_user.external_id,
            'created_at', v_user.created_at,
            'location', v_facts -> 'location',
            'attributes', v_facts -> 'attributes')) || jsonb_build_object(
            -- What the user declared, as rec.upsert_users takes it (rec._profile_facts).
            'preferences', v_facts - 'location' - 'attributes'),
        'events_count', (SELECT count(*) FROM pgrec.events AS e WHERE e.user_id = v_user.id),
        'other', v_other,
        'updated_at', v_user.updated_at,
        'exported_at', now());
END;
$$;
COMMENT ON FUNCTION rec.export_user(text) IS
'Everything stored about a user except events, as JSON: {"user" (upsert_users shape with preferences), "events_count", "other" (rows of other tables that reference the user), "updated_at", "exported_at"}; events come from rec.export_user_events. P0002 for an unknown user.';

-- A user's events in the shape rec.track accepts (with item ids), in the order they were
-- recorded, a page at a time: pass the last `cursor` of a page as `after` for the next one (0
-- for the first).
CREATE FUNCTION rec.export_user_events(user_id text, after bigint DEFAULT 0, n integer DEFAULT 1000)
RETURNS TABLE (cursor bigint, event jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_uid bigint;
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    IF after IS NULL OR n IS NULL THEN
        RAISE EXCEPTION 'after and n must not be null' USING ERRCODE = '22004';
    END IF;
    IF n < 1 OR n > 10000 THEN
        RAISE EXCEPTION 'n must be between 1 and 10000, got %', n USING ERRCODE = '22023';
    END IF;
    v_uid := rec._user_id(export_user_events.user_id);
    IF v_uid IS NULL THEN
        RAISE EXCEPTION 'unknown user "%"', user_id USING ERRCODE = 'P0002';
    END IF;
    RETURN QUERY
    SELECT e.id, jsonb_strip_nulls(jsonb_build_object(
               'event_id', e.event_id, 'user_id', export_user_events.user_id, 'item_id', i.external_id, 'type', e.type,
               'value', e.value, 'at', e.occurred_at, 'context', e.context, 'recorded_at', e.recorded_at))
    FROM pgrec.events AS e
    JOIN pgrec.items AS i ON i.id = e.item_id
    WHERE e.user_id = v_uid AND e.id > after
    ORDER BY e.id
    LIMIT n;
END;
$$;
COMMENT ON FUNCTION rec.export_user_events(text, bigint, integer) IS
'A user''s events (track shape), oldest first, n per page (1..10000) after a cursor; P0002 for an unknown user.';
