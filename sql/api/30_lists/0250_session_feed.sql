-- Recommendations for an anonymous visitor from the items viewed in this session (oldest
-- first, as the browser collected them; the last one matters most). The list pipeline with the
-- session as anchor, its items weighted 1, 1/2, 1/3 ... from the last; strategy 'session' by
-- default:
--   0.35 collaborative  neighbours of the session items
--   0.2  sequence       what users did next after the last three items
--   0.25 vector         cosine similarity to the mean embedding of the session items
--   0.15 tags           overlap with the session items' tags
--   0.05 engagement     so that there is always a sensible order
-- Session items are never recommended back. Ids pgrec does not know are ignored (a stale id in
-- a browser must not break the page); with no known item the visitor gets the trending list.
CREATE FUNCTION rec.session_feed(item_ids text[], n integer DEFAULT 20, strategy text DEFAULT 'session',
                                 filter jsonb DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_items     bigint[];
    v_strengths double precision[];
    v_centroid  public.vector;
    v_tags      integer[];
BEGIN
    PERFORM rec._check_ids('item_ids', item_ids, 100);
    PERFORM rec._check_page(n, 0);

    SELECT array_agg(x.id ORDER BY x.pos), array_agg(1.0 / x.pos ORDER BY x.pos)
    INTO v_items, v_strengths
    FROM (SELECT i.id, row_number() OVER (ORDER BY u.ord DESC) AS pos
          FROM (SELECT v.ext, max(v.ord) AS ord FROM unnest(item_ids) WITH ORDINALITY AS v(ext, ord) GROUP BY v.ext) AS u
          JOIN pgrec.items AS i ON i.external_id = u.ext) AS x;
    IF v_items IS NULL THEN
        RETURN QUERY SELECT * FROM rec.trending(n, filter => filter);
        RETURN;
    END IF;
    SELECT public.avg(i.embedding) INTO v_centroid FROM pgrec.items AS i WHERE i.id = ANY (v_items);
    SELECT array_agg(DISTINCT t.id) INTO v_tags
    FROM pgrec.items AS i CROSS JOIN LATERAL unnest(i.tag_ids) AS t(id) WHERE i.id = ANY (v_items);

    RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context(
        'session', strategy, NULL, NULL, n, 0,
        p_anchor_items => v_items, p_anchor_strengths => v_strengths,
        p_anchor_vector => v_centroid, p_anchor_tags => v_tags, p_filter => filter));
END;
$$;
COMMENT ON FUNCTION rec.session_feed(text[], integer, text, jsonb) IS
'Recommendations for an anonymous session from the items viewed (item_id, score, reasons) best first: neighbours, next-item transitions, embedding centroid, shared tags and engagement (strategy session). Session items excluded; unknown ids ignored; no known item: the trending list.';
