-- The personalised "For You" feed.
--
--   SELECT * FROM rec.feed('u42');                                   -- 20 items, strategy default
--   SELECT * FROM rec.feed('u42', 20, 20, 'marketplace');            -- second page, another strategy
--   SELECT * FROM rec.feed('u42', weights => '{"vector": 1, "recency": 0.2}');  -- one-off weights
--
-- The list pipeline (sql/api/20_pipeline) with the user as anchor: their positive history for
-- the collaborative signal, their taste vector, their interests and their location. The user's
-- history is read straight from events, so a rec.track call changes the very next feed.
CREATE FUNCTION rec.feed(user_id text, n integer DEFAULT 20, "offset" integer DEFAULT 0,
                         strategy text DEFAULT 'default', weights jsonb DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    PERFORM rec._check_page(n, "offset");
    RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context('feed', strategy, weights, user_id, n, "offset"));
END;
$$;
COMMENT ON FUNCTION rec.feed(text, integer, integer, text, jsonb) IS
'Personalised feed for a user: (item_id, score, reasons) best first. Blends the signals of pgrec.feed_signals with the weights of a strategy (pgrec.strategies) or a per-call weights override; diversified per category; cold start and opt-out fall back to non-personal signals. reasons = {terms: {signal: weighted value}, reasons: [text]}.';
