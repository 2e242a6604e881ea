-- Trending items: engagement velocity in a time window (see pgrec.trending_scores for the
-- formula). The default 24-hour window reads the matview pgrec.trending, refreshed every few
-- minutes by rec.refresh('trending'); any other window (1 hour .. 30 days) is computed on the
-- spot from that window's events (through the BRIN index, so cost grows with the window, not
-- the history). Before the matview's first refresh the 24-hour list is computed live too.
--
-- tags filters to items carrying any of the tags. With user_id, blocked tags are excluded and,
-- unless personalisation is off, a light boost reorders the trending set by the user's tag
-- interests: score = trending * (1 + 0.3 * affinity), affinity 0..1 relative to the best
-- candidate. The boost only reorders the top max(200, offset + n) trending items, so a
-- personal list stays a trending list.
CREATE FUNCTION rec.trending(n integer DEFAULT 20, "offset" integer DEFAULT 0, "window" interval DEFAULT '24 hours',
                             user_id text DEFAULT NULL, tags text[] DEFAULT NULL)
RETURNS TABLE (item_id text, score double precision, reasons jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_now    constant timestamptz := rec.now();
    v_boost  constant double precision := 0.3;
    v_user   record;
    v_tags   integer[];
    v_live   boolean;
    v_pool   integer;
    v_label  text;
BEGIN
    PERFORM rec._check_page(n, "offset");
    IF "window" IS NULL THEN
        RAISE EXCEPTION 'window must not be null' USING ERRCODE = '22004', HINT = 'For example interval ''24 hours''.';
    END IF;
    IF "window" < interval '1 hour' OR "window" > interval '30 days' THEN
        RAISE EXCEPTION 'window must be between 1 hour and 30 days, got %', "window"
            USING ERRCODE = '22023', HINT = 'The default, 24 hours, is precomputed; other windows are computed per call.';
    END IF;
    SELECT * INTO v_user FROM rec._user_context(user_id, v_now);
    v_tags := rec._filter_tags(tags);

    v_live := "window" <> interval '24 hours' OR NOT EXISTS (SELECT FROM pgrec.trending);
    v_pool := CASE WHEN v_user.personal THEN greatest(200, "offset" + n) ELSE "offset" + n END;
    v_label := CASE WHEN extract(epoch FROM "window") < 72 * 3600
                    THEN round(extract(epoch FROM "window") / 3600, 1)::float8 || ' hours'
                    ELSE round(extract(epoch FROM "window") / 86400, 1)::float8 || ' days' END;

    -- Dynamic only in its source (matview or live computation): EXECUTE plans with the actual
    -- window bounds, so the live path gets the BRIN index rather than a generic plan.
    RETURN QUERY EXECUTE format($sql$
        WITH pool AS (
            SELECT t.item_id AS id, t.score AS trend, t.recent_events, t.previous, t.basis,
                   i.external_id, i.tag_ids
            FROM %s AS t
            JOIN pgrec.items AS i ON i.id = t.item_id
            WHERE i.status = 'active'
              AND i.created_at <= $1
              AND (i.expires_at IS NULL OR i.expires_at > $1)
              AND ($3::integer[] IS NULL OR i.tag_ids && $3::integer[])
              AND NOT i.tag_ids && $4::integer[]
            ORDER BY t.score DESC, i.external_id
            LIMIT $5
        ),
        interest AS (
            SELECT key::integer AS tag_id, value::double precision AS weight FROM jsonb_each_text($6)
        ),
        affinity AS (
            SELECT p.id, sum(it.weight) AS raw
            FROM pool AS p
            CROSS JOIN LATERAL unnest(p.tag_ids) AS t(id)
            JOIN interest AS it ON it.tag_id = t.id
            GROUP BY p.id
        ),
        scored AS (
            SELECT p.*, coalesce(a.raw / nullif(max(a.raw) OVER (), 0), 0) AS affinity
            FROM pool AS p
            LEFT JOIN affinity AS a ON a.id = p.id
        )
        SELECT s.external_id,
               s.trend * (1 + $7 * s.affinity),
               jsonb_build_object(
                   'terms', jsonb_strip_nulls(jsonb_build_object(
                       'trending', s.trend,
                       'personal', CASE WHEN $8 THEN s.trend * $7 * s.affinity END)),
                   'reasons', to_jsonb(array_remove(ARRAY[
                       CASE WHEN s.basis = 'velocity' THEN
                            format('%%s interaction%%s in the last %%s', s.recent_events,
                                   CASE WHEN s.recent_events = 1 THEN '' ELSE 's' END, $9)
                            || CASE WHEN s.previous = 0 THEN ', none before' ELSE '' END
                            ELSE 'popular (nothing is trending right now)' END,
                       CASE WHEN s.affinity > 0.3 THEN
                            'matches your interest in ' || rec._top_interest_tag($6, s.tag_ids) END], NULL)))
        FROM scored AS s
        ORDER BY s.trend * (1 + $7 * s.affinity) DESC, s.external_id
        LIMIT $10 OFFSET $11
    $sql$, CASE WHEN v_live THEN 'pgrec.trending_scores($1, $2)' ELSE 'pgrec.trending' END)
    USING v_now, "window", v_tags, v_user.blocked, v_pool, v_user.interest, v_boost, v_user.personal,
          v_label, n, "offset";
END;
$$;
COMMENT ON FUNCTION rec.trending(integer, integer, interval, text, text[]) IS
'Trending items (item_id, score, reasons) best first: engagement velocity in the window vs the window before, damped by item age; popularity when nothing is trending. Default 24 h window is precomputed (pgrec.trending). Optional user_id (light tag-interest boost, blocked tags excluded) and tags filter (any of).';
