-- Newest items first. Popularity (engagement_score of pgrec.item_stats) breaks ties between
-- items created at the same moment (bulk imports), then the item id. The score is the
-- recency term exp(-age_days / 30), which orders exactly like created_at; the tie-break is
-- reported beside it. tags filters to items carrying any of the tags.
--
-- Cost: a walk down the partial index items_live_created (newest live items first) that stops
-- after offset + n rows; with a tags filter, the GIN index on tag_ids when that is smaller.
CREATE FUNCTION rec.latest(n integer DEFAULT 20, "offset" integer DEFAULT 0, tags text[] DEFAULT NULL)
RETURNS TABLE (item_id text, score double precision, reasons jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    v_now      constant timestamptz := rec.now();
    v_tau_days constant double precision := 30;
    v_tags     integer[];
BEGIN
    PERFORM rec._check_page(n, "offset");
    v_tags := rec._filter_tags(tags);

    RETURN QUERY
    SELECT i.external_id,
           exp(-r.age_days / v_tau_days),
           jsonb_build_object(
               'terms', jsonb_build_object('recency', exp(-r.age_days / v_tau_days)),
               'tie_break', jsonb_build_object('engagement', coalesce(s.engagement_score, 0)),
               'reasons', to_jsonb(array_remove(ARRAY[
                   CASE WHEN r.age_days < 2 THEN 'new' END,
                   CASE WHEN r.age_days * 24 < 1 THEN 'added just now'
                        WHEN r.age_days < 2 THEN format('added %s hours ago', floor(r.age_days * 24))
                        ELSE format('added %s days ago', floor(r.age_days)) END,
                   CASE WHEN coalesce(s.engagement_score, 0) > 0.6 THEN 'popular' END], NULL)))
    FROM pgrec.items AS i
    LEFT JOIN pgrec.item_stats AS s ON s.item_id = i.id
    CROSS JOIN LATERAL (SELECT extract(epoch FROM v_now - i.created_at)::double precision / 86400 AS age_days) AS r
    WHERE i.status = 'active'
      AND i.created_at <= v_now
      AND (i.expires_at IS NULL OR i.expires_at > v_now)
      AND (v_tags IS NULL OR i.tag_ids && v_tags)
    ORDER BY i.created_at DESC, coalesce(s.engagement_score, 0) DESC, i.external_id
    LIMIT latest.n OFFSET latest."offset";
END;
$$;
COMMENT ON FUNCTION rec.latest(integer, integer, text[]) IS
'Newest live items (item_id, score = recency, reasons) first; popularity breaks ties, then the id. Optional tags filter (any of).';
