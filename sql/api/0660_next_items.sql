-- What to do next: sequential recommendations from item-to-item transitions. The user's five
-- most recent items (dismissals aside) each vote for what other users went on to after them
-- (pgrec.item_transitions, refresh step transitions), the latest item with weight 1, the one
-- before with 1/2, then 1/3 ...; the latest item's collaborative neighbours add a weaker vote.
--   0.8 * sequence (the votes, scaled so the best candidate has 1)
--   + 0.2 * collaborative (neighbour score of the latest item, 0..1)
-- (a term with no data is dropped and the other renormalised). Left out: the recent items
-- themselves, anything the user completed, liked or dismissed (a view alone does not count:
-- a lesson opened but not finished is still a good next step), their own items, blocked tags
-- and items that are not live. An unknown user or one without history gets no rows; fall back
-- to rec.feed.
CREATE FUNCTION rec.next_items(user_id text, n integer DEFAULT 10)
RETURNS TABLE (item_id text, score double precision, reasons jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    v_now  constant timestamptz := rec.now();
    v_user record;
BEGIN
    PERFORM rec._check_id('user_id', next_items.user_id);
    PERFORM rec._check_page(n, 0);
    SELECT * INTO v_user FROM rec._user_context(next_items.user_id, v_now, false);
    IF v_user.id IS NULL THEN
        RETURN;
    END IF;

    RETURN QUERY
    WITH latest_events AS (
        -- The newest 100 events bound the work for heavy users (and hold the five latest distinct
        -- items but for users who repeat the same few items).
        SELECT e.item_id, e.occurred_at
        FROM pgrec.weighted_events AS e
        WHERE e.user_id = v_user.id AND e.occurred_at <= v_now AND e.polarity >= 0
        ORDER BY e.occurred_at DESC
        LIMIT 100
    ),
    recent AS (
        SELECT l.item_id, row_number() OVER (ORDER BY max(l.occurred_at) DESC, l.item_id) AS pos
        FROM latest_events AS l
        GROUP BY l.item_id
        ORDER BY pos
        LIMIT 5
    ),
    done AS (
        SELECT DISTINCT e.item_id
        FROM pgrec.weighted_events AS e
        WHERE e.user_id = v_user.id AND e.occurred_at <= v_now AND e.polarity <> 0
    ),
    sequence_votes AS (
        SELECT t.next_item_id AS id,
               sum(t.score / r.pos) AS raw,
               (array_agg(r.item_id ORDER BY t.score / r.pos DESC, r.pos))[1] AS after
        FROM recent AS r
        JOIN pgrec.item_transitions AS t ON t.item_id = r.item_id
        GROUP BY t.next_item_id
    ),
    neighbor_votes AS (
        SELECT nb.neighbor_id AS id, nb.score::double precision AS score, r.item_id AS after
        FROM recent AS r
        JOIN pgrec.item_neighbors AS nb ON nb.item_id = r.item_id
        WHERE r.pos = 1
    ),
    candidates AS (
        SELECT i.id, i.external_id, coalesce(sv.after, nv.after) AS after,
               coalesce(sv.raw, 0) AS sequence_raw, coalesce(nv.score, 0) AS collaborative
        FROM (SELECT id FROM sequence_votes UNION SELECT id FROM neighbor_votes) AS c
        JOIN pgrec.items AS i ON i.id = c.id
        LEFT JOIN sequence_votes AS sv ON sv.id = c.id
        LEFT JOIN neighbor_votes AS nv ON nv.id = c.id
        WHERE i.status = 'active'
          AND i.created_at <= v_now
          AND (i.expires_at IS NULL OR i.expires_at > v_now)
          AND i.creator_id IS DISTINCT FROM next_items.user_id
          AND NOT i.tag_ids && v_user.blocked
          AND NOT EXISTS (SELECT FROM recent AS r WHERE r.item_id = i.id)
          AND NOT EXISTS (SELECT FROM done AS d WHERE d.item_id = i.id)
    ),
    weights AS (
        SELECT CASE WHEN has_seq AND has_nb THEN 0.8 WHEN has_seq THEN 1.0 ELSE 0 END AS w_seq,
               CASE WHEN has_seq AND has_nb THEN 0.2 WHEN has_nb THEN 1.0 ELSE 0 END AS w_nb
        FROM (SELECT bool_or(sequence_raw > 0) AS has_seq, bool_or(collaborative > 0) AS has_nb FROM candidates) AS h
    ),
    scored AS (
        SELECT c.*, w.w_seq, w.w_nb,
               w.w_seq * coalesce(c.sequence_raw / nullif(max(c.sequence_raw) OVER (), 0), 0) AS sequence,
               w.w_nb * c.collaborative AS collab
        FROM candidates AS c CROSS JOIN weights AS w
    ),
    top AS (
        SELECT s.*, s.sequence + s.collab AS total
        FROM scored AS s
        WHERE s.sequence + s.collab > 0
        ORDER BY s.sequence + s.collab DESC, s.external_id
        LIMIT next_items.n
    )
    SELECT r.external_id,
           r.total,
           jsonb_build_object(
               'terms', jsonb_strip_nulls(jsonb_build_object(
                   'sequence',      CASE WHEN r.w_seq > 0 THEN r.sequence END,
                   'collaborative', CASE WHEN r.w_nb > 0 THEN r.collab END)),
               'reasons', jsonb_build_array(
                   CASE WHEN r.sequence_raw > 0 THEN 'what others did next after ' ELSE 'people who liked ' END
                   || (SELECT coalesce(nullif(a.title, ''), a.external_id) FROM pgrec.items AS a WHERE a.id = r.after)
                   || CASE WHEN r.sequence_raw > 0 THEN '' ELSE ' also liked this' END))
    FROM top AS r
    ORDER BY r.total DESC, r.external_id;
END;
$$;
COMMENT ON FUNCTION rec.next_items(text, integer) IS
'Next steps for a user (item_id, score, reasons) best first: what other users did next after the user''s latest items (pgrec.item_transitions), plus neighbours of the latest item. Excludes completed/liked/dismissed, own, blocked and non-live items. No rows without history.';
