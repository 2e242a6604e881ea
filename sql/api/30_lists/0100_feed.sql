-- The personalised "For You" feed.
--
--   SELECT * FROM rec.feed('u42');                                   -- 20 items, the installation's blend
--   SELECT * FROM rec.feed('u42', 20, 20, 'marketplace');            -- second page, another strategy
--   SELECT * FROM rec.feed('u42', weights => '{"vector": 1, "recency": 0.2}');  -- one-off weights
--   SELECT * FROM rec.feed('u42', type => 'content-based');           -- a recommendation type
--   SELECT * FROM rec.feed('u42', filter => '{"attributes": {"level": {"lte": 2}}}');
--   SELECT * FROM rec.feed('u42', strategy => 'marketplace', exclusion_policy => 'unapplied');
--
-- The list pipeline (sql/api/20_pipeline) with the user as anchor: their positive history for
-- the collaborative signal, their taste vector, their interests and their location. The user's
-- history is read straight from events, so a rec.track call changes the very next feed. An
-- active user's feed is usually served from their precomputed pool (pgrec.feed_pools), which
-- gives the same page whenever it can tell, and otherwise leaves the call to the pipeline.
-- Without a strategy it serves the installation's fitted blend (the strategy `pgrec tune` wrote,
-- when it beat default on replay), else default. `type` names a recommendation type
-- (pgrec.recommendation_types: content-based, collaborative, trending, sequential) instead of
-- a strategy; `filter` is the content filter every list takes (rec._content_filter).
-- exclusion_policy (a row of pgrec.exclusion_policies) replaces the strategy's for this call:
-- what a request may see again (a marketplace's exclude_seen / exclude_applied switches) is
-- the caller's choice, the ranking stays the strategy's.
CREATE FUNCTION rec.feed(user_id text, n integer DEFAULT 20, "offset" integer DEFAULT 0,
                         strategy text DEFAULT NULL, weights jsonb DEFAULT NULL, type text DEFAULT NULL,
                         filter jsonb DEFAULT NULL, exclusion_policy text DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_strategy text := strategy;
    v_page     rec.ranked_item[];
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    PERFORM rec._check_page(n, "offset");
    IF type IS NOT NULL THEN
        v_strategy := rec._recommendation_type(type, strategy);
    END IF;
    -- The user's precomputed feed when it can answer exactly (refresh step feed_pools). A pool
    -- holds the unfiltered list of what its strategy's own exclusion policy leaves, so a call
    -- with a content filter or another policy takes the pipeline.
    IF weights IS NULL AND filter IS NULL AND exclusion_policy IS NULL
       AND (v_strategy IS NULL OR v_strategy NOT LIKE 'experiment:%') THEN
        v_page := rec._pooled_feed(user_id, coalesce(v_strategy, rec._served_feed_strategy()), n, "offset");
        IF v_page IS NOT NULL THEN
            RETURN QUERY SELECT * FROM unnest(v_page);
            RETURN;
        END IF;
    END IF;
    RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context('feed', v_strategy, weights, user_id, n, "offset",
                                                                   p_filter => filter,
                                                                   p_exclusion_policy => exclusion_policy));
END;
$$;
COMMENT ON FUNCTION rec.feed(text, integer, integer, text, jsonb, text, jsonb, text) IS
'Personalised feed for a user: (item_id, score, reasons) best first. Blends the signals of pgrec.feed_signals with the weights of a strategy (pgrec.strategies; without one, the fitted blend of pgrec tune when it validated better, else default) or a per-call weights override, or a recommendation type; content filter; diversified per category; cold start and opt-out fall back to non-personal signals; exclusion_policy overrides the strategy''s for the call. reasons = {terms: {signal: weighted value}, reasons: [text]}.';
