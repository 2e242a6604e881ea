-- What to do next: the list pipeline with the user's five latest items (dismissals aside) as
-- anchors, the latest weighted 1, the one before 1/2, then 1/3 ...; strategy 'next' by
-- default: 0.8 sequence (what other users went on to after them, pgrec.item_transitions) and
-- 0.2 collaborative (their neighbours). Left out (policy 'unacted'): the anchors themselves,
-- anything the user completed, liked or dismissed (a view alone does not count: a lesson
-- opened but not finished is still a good next step), their own items, blocked tags and items
-- that are not live. A user without history gets no rows; fall back to rec.feed.
CREATE FUNCTION rec.next_items(user_id text, n integer DEFAULT 10, strategy text DEFAULT 'next',
                               filter jsonb DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_recent bigint[];
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    PERFORM rec._check_page(n, 0);
    v_recent := (rec._user_context(user_id, rec.now())).recent_items;
    RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context(
        'next', strategy, NULL, user_id, n, 0,
        p_anchor_items => v_recent,
        p_anchor_strengths => ARRAY(SELECT 1.0 / g FROM generate_series(1, cardinality(v_recent)) AS g),
        p_filter => filter));
END;
$$;
COMMENT ON FUNCTION rec.next_items(text, integer, text, jsonb) IS
'Next steps for a user (item_id, score, reasons) best first: what other users did next after the user''s latest items (pgrec.item_transitions), plus their neighbours (strategy next). Excludes completed/liked/dismissed, own, blocked and non-live items. No rows without history.';
