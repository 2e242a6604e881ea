-- Newest items first: the list pipeline with strategy 'latest' by default (recency alone,
-- tau 30 days), so the order is created_at; popularity breaks ties between items created at
-- the same moment (bulk imports), then the item id. tags filters to items carrying any of the
-- tags. Cost: a walk down the partial index items_live_created that stops after offset + n
-- rows (the fresh candidate source). With user_id, a personal strategy (explore_new: newest
-- first, followed creators' and matching items a few days ahead) reads the user; 'latest'
-- itself is not personal, but blocked tags are always left out.
CREATE FUNCTION rec.latest(n integer DEFAULT 20, "offset" integer DEFAULT 0, tags text[] DEFAULT NULL,
                           strategy text DEFAULT 'latest', user_id text DEFAULT NULL,
                           filter jsonb DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM rec._check_page(n, "offset");
    IF user_id IS NOT NULL THEN
        PERFORM rec._check_id('user_id', user_id);
    END IF;
    RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context(
        'latest', strategy, NULL, user_id, n, "offset", p_tags_filter => rec._filter_tags(tags), p_filter => filter));
END;
$$;
COMMENT ON FUNCTION rec.latest(integer, integer, text[], text, text, jsonb) IS
'Newest live items (item_id, score = recency, reasons) first; popularity breaks ties, then the id. Optional tags filter (any of), strategy, user_id (a personal strategy such as explore_new boosts followed creators and interests; blocked tags are left out) and content filter.';
