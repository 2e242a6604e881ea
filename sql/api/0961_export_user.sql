-- Everything pgrec stores about a user, as one JSON document (data access requests). The
-- "user" part uses the same shape rec.upsert_users accepts, and events the shape rec.track
-- accepts (with item ids), so an export can be read by a person and re-imported by a program.
-- Rows of other tables that reference the user (added by later features) are included as
-- they are stored, under "other", found through their foreign keys as in rec.forget_user.
CREATE FUNCTION rec.export_user(user_id text)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_user  pgrec.users;
    v_ref   record;
    v_rows  jsonb;
    v_other jsonb := '{}';
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    SELECT * INTO v_user FROM pgrec.users u WHERE u.external_id = export_user.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown user "%"', user_id USING ERRCODE = 'P0002';
    END IF;

    FOR v_ref IN
        SELECT c.conrelid::regclass AS tbl, cl.relname, a.attname
        FROM pg_constraint c
        JOIN pg_class cl ON cl.oid = c.conrelid
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f'
          AND c.confrelid = 'pgrec.users'::regclass
          AND c.conrelid NOT IN ('pgrec.users'::regclass, 'pgrec.events'::regclass, 'pgrec.user_tags'::regclass)
          AND cardinality(c.conkey) = 1
        ORDER BY cl.relname
    LOOP
        EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(t) - %L), ''[]'') FROM %s t WHERE %I = $1',
                       v_ref.attname, v_ref.tbl, v_ref.attname)
            INTO v_rows USING v_user.id;
        IF v_rows <> '[]' THEN
            v_other := v_other || jsonb_build_object(v_ref.relname, v_rows);
        END IF;
    END LOOP;

    RETURN jsonb_build_object(
        'user', jsonb_strip_nulls(jsonb_build_object(
            'id', v_user.external_id,
            'created_at', v_user.created_at,
            'location', CASE WHEN v_user.lat IS NOT NULL THEN jsonb_build_object('lat', v_user.lat, 'lon', v_user.lon) END,
            'attributes', v_user.attributes)) || jsonb_build_object(
            'preferences', jsonb_build_object(
                'preferred_tags', (SELECT coalesce(jsonb_object_agg(t.name, ut.weight ORDER BY t.name), '{}')
                                   FROM pgrec.user_tags ut JOIN pgrec.tags t ON t.id = ut.tag_id
                                   WHERE ut.user_id = v_user.id AND NOT ut.blocked),
                'blocked_tags', (SELECT coalesce(jsonb_agg(t.name ORDER BY t.name), '[]')
                                 FROM pgrec.user_tags ut JOIN pgrec.tags t ON t.id = ut.tag_id
                                 WHERE ut.user_id = v_user.id AND ut.blocked),
                'max_distance_km', v_user.max_distance_km,
                'price_min', v_user.price_min,
                'price_max', v_user.price_max,
                'personalization', v_user.personalization)),
        'events', (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                              'event_id', e.event_id, 'user_id', v_user.external_id, 'item_id', i.external_id, 'type', e.type,
                              'value', e.value, 'at', e.occurred_at, 'context', e.context,
                              'recorded_at', e.recorded_at)) ORDER BY e.occurred_at, e.id), '[]')
                   FROM pgrec.events e JOIN pgrec.items i ON i.id = e.item_id
                   WHERE e.user_id = v_user.id),
        'other', v_other,
        'updated_at', v_user.updated_at,
        'exported_at', now());
END;
$$;
COMMENT ON FUNCTION rec.export_user(text) IS
'Everything stored about a user as JSON: {"user" (upsert_users shape with preferences), "events" (track shape), "other" (rows of other tables that reference the user), "updated_at", "exported_at"}. P0002 for an unknown user.';
