-- Order a caller's own list for a user: the app brings the candidates (its search engine's
-- hits, a category page, a shortlist) and pgrec ranks them with the same pipeline as the feed,
-- with reasons:
--   SELECT * FROM rec.rank('u42', ARRAY['i7', 'i3', 'i99']);
--   SELECT * FROM rec.rank('u42', ARRAY['i7', 'i3'], 'content_based', '{"attributes": {"level": {"lte": 2}}}');
--
-- The call is a feed call (rec._list_context with list 'feed': the user's history, interests
-- and vector as anchors, any feed strategy or experiment:NAME) whose candidates are exactly the
-- given items (rec._candidates); the default strategy 'rank' is the default blend with nothing
-- excluded beyond what every list excludes and no diversity re-ordering. A list signal
-- (collaborative, ease, als, sequence) values an item when it is among the anchors' best
-- max(candidate_limit, number of ids) items, as in every list.
--
-- Returns the ranked items best first; then, with score NULL and reasons {"excluded": why,
-- "reasons": [why]}, the items it may not list (not live, a blocked tag, left out by the
-- strategy's policy or the filter), then the ids that name no item ({"excluded": "unknown
-- item", "unknown": true}), each group in the order given. Unknown ids are reported, not an
-- error: a stale id in the caller's index must not break its page. A repeated id is ranked
-- once. user_id NULL ranks for a visitor. At most 1,000 ids.
CREATE FUNCTION rec.rank(user_id text, item_ids text[], strategy text DEFAULT 'rank', filter jsonb DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_max    constant integer := 1000;
    v_given  bigint[];
    v_ctx    rec.list_context;
    v_ranked rec.ranked_item[];
BEGIN
    IF rank.user_id IS NOT NULL THEN
        PERFORM rec._check_id('user_id', rank.user_id);
    END IF;
    PERFORM rec._check_ids('item_ids', item_ids, v_max);
    IF cardinality(item_ids) = 0 THEN
        RETURN;
    END IF;

    SELECT array_agg(i.id ORDER BY x.ord) INTO v_given
    FROM (SELECT g.ext, min(g.ord) AS ord FROM unnest(item_ids) WITH ORDINALITY AS g(ext, ord) GROUP BY g.ext) AS x
    JOIN pgrec.items AS i ON i.external_id = x.ext;

    IF v_given IS NOT NULL THEN
        v_ctx := rec._list_context('feed', strategy, NULL, rank.user_id, cardinality(v_given), 0,
                                   p_filter => filter, p_given_items => v_given);
        SELECT coalesce(array_agg(ROW(r.item_id, r.score, r.reasons)::rec.ranked_item ORDER BY r.ord), '{}') INTO v_ranked
        FROM rec._ranked_list(v_ctx) WITH ORDINALITY AS r(item_id, score, reasons, ord);
        RETURN QUERY SELECT u.item_id, u.score, u.reasons
                     FROM unnest(v_ranked) WITH ORDINALITY AS u(item_id, score, reasons, ord) ORDER BY u.ord;
        -- What the pipeline left out, and why (the same eligibility rec.explain reports).
        RETURN QUERY
        SELECT s.external_id, NULL::double precision,
               jsonb_build_object('excluded', coalesce(s.excluded, 'not ranked'),
                                  'reasons', jsonb_build_array(coalesce(s.excluded, 'not ranked')))
        FROM rec._score(v_ctx, ARRAY(SELECT g FROM unnest(v_given) AS g
                                     JOIN pgrec.items AS i ON i.id = g
                                     WHERE i.external_id NOT IN (SELECT x.item_id FROM unnest(v_ranked) AS x))) AS s
        JOIN (SELECT g, o FROM unnest(v_given) WITH ORDINALITY AS t(g, o)) AS p ON p.g = s.item_id
        ORDER BY p.o;
    ELSE
        -- No known item: still validate what the call asked for, as a call with items would.
        PERFORM rec._list_context('feed', strategy, NULL, rank.user_id, 1, 0, p_filter => filter, p_given_items => '{}');
    END IF;
    RETURN QUERY
    SELECT x.ext, NULL::double precision,
           '{"excluded": "unknown item", "unknown": true, "reasons": ["unknown item"]}'::jsonb
    FROM (SELECT g.ext, min(g.ord) AS ord FROM unnest(item_ids) WITH ORDINALITY AS g(ext, ord) GROUP BY g.ext) AS x
    WHERE NOT EXISTS (SELECT FROM pgrec.items AS i WHERE i.external_id = x.ext)
    ORDER BY x.ord;
END;
$$;
COMMENT ON FUNCTION rec.rank(text, text[], text, jsonb) IS
'Rank a caller''s items (at most 1,000) for a user through the feed pipeline: ranked (item_id, score, reasons) best first, then items it may not list (score NULL, reasons.excluded says why), then unknown ids (reasons.unknown). Strategy rank (the default blend, no exclusions, no diversity) or any feed strategy; content filter.';
