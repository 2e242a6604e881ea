-- What the models learn from: one strength per user and item, as of p_now. Each event counts
-- with its type's strength from p_parameters.strengths (types not listed count nothing); a
-- value-driven type (a rating) by how far its value is above neutral, relative to the top of
-- the scale (5 stars 1, 4 stars 0.5, neutral or below 0); halved every
-- p_parameters.half_life_days of age (none: no decay). Age counts back from the user's own
-- latest event (decay "user", the default) or from p_now (decay "now"): with "user" a user who
-- was active years ago keeps their weight beside today's users and only their older taste
-- fades; "now" lets old behaviour fade for everyone (catalogues whose relations change). A
-- pair keeps its strongest event (a view then a like is a like); rejections never count. With max_items_per_user, each user keeps that many of their
-- strongest items, which bounds the cost of pair counting on long histories.
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed tables (0A000), and PL/pgSQL plans them with the values; the callers (the model
-- fits) read every row they ask for, so nothing is lost by not inlining it. p_user_ids: only those
-- users' (an incremental fit), a filter in the events scan — a caller's WHERE on the result
-- would not reach it, the function not being inlined; EXECUTE gives the filtered and the
-- unfiltered call each its own plan.
CREATE FUNCTION rec._interactions(p_parameters jsonb, p_now timestamptz, p_user_ids bigint[] DEFAULT NULL)
RETURNS TABLE (user_id bigint, item_id bigint, strength double precision, last_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format($sql$
    SELECT r.user_id, r.item_id, r.strength, r.last_at
    FROM (SELECT p.*, row_number() OVER (PARTITION BY p.user_id ORDER BY p.strength DESC, p.last_at DESC, p.item_id) AS rn
          FROM (SELECT e.user_id, e.item_id, max(e.strength) AS strength, max(e.occurred_at) AS last_at
                FROM (SELECT e.user_id, e.item_id, e.occurred_at,
                             coalesce(($1 -> 'strengths' ->> e.type)::double precision, 0)
                             * CASE WHEN t.neutral_value IS NULL THEN 1
                                    ELSE greatest(0, least(1, (coalesce(e.value, t.neutral_value) - t.neutral_value)
                                                             / nullif(t.max_value - t.neutral_value, 0))) END
                             * CASE WHEN $1 ->> 'half_life_days' IS NULL THEN 1
                                    ELSE rec._decay(rec._age_days(e.occurred_at,
                                                                  CASE WHEN $1 ->> 'decay' = 'now' THEN $2
                                                                       ELSE max(e.occurred_at) OVER (PARTITION BY e.user_id) END)
                                                    * ln(2) / ($1 ->> 'half_life_days')::double precision) END AS strength
                      FROM pgrec.events AS e
                      JOIN pgrec.event_types AS t ON t.type = e.type
                      WHERE e.occurred_at <= $2 AND t.polarity >= 0 %s) AS e
                WHERE e.strength > 0
                GROUP BY e.user_id, e.item_id) AS p) AS r
    WHERE r.rn <= coalesce(($1 ->> 'max_items_per_user')::integer, 2147483647)
    $sql$, CASE WHEN p_user_ids IS NOT NULL THEN 'AND e.user_id = ANY ($3)' END)
    USING p_parameters, p_now, p_user_ids;
END;
$$;
COMMENT ON FUNCTION rec._interactions(jsonb, timestamptz, bigint[]) IS
'Internal: per user and item the strongest weighted, decayed interaction as of p_now (what the models learn from), capped per user; only p_user_ids'' when given.';
