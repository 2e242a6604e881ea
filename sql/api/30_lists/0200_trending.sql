-- Trending items: engagement velocity in a time window (the formula is rec._trending_scores).
-- The default 24-hour window reads pgrec.trending, refreshed every few minutes by
-- rec.refresh('trending'); any other window (1 hour .. 30 days) is computed on the spot from
-- that window's events (through the BRIN index, so cost grows with the window, not the
-- history).
--
-- The list pipeline with the window as anchor, strategy 'trending' by default: trending
-- weighs 1 and, with a user who has tag interests, "tags" 0.3, which lightly reorders the
-- trending set (the candidates are its top max(200, offset + n) items, so a personal list
-- stays a trending list). tags keeps items carrying any of the tags; blocked tags are left out.
CREATE FUNCTION rec.trending(n integer DEFAULT 20, "offset" integer DEFAULT 0, "window" interval DEFAULT '24 hours',
                             user_id text DEFAULT NULL, tags text[] DEFAULT NULL, strategy text DEFAULT 'trending',
                             filter jsonb DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM rec._check_page(n, "offset");
    IF "window" IS NULL THEN
        RAISE EXCEPTION 'window must not be null' USING ERRCODE = '22004', HINT = 'For example interval ''24 hours''.';
    END IF;
    IF "window" < interval '1 hour' OR "window" > interval '30 days' THEN
        RAISE EXCEPTION 'window must be between 1 hour and 30 days, got %', "window"
            USING ERRCODE = '22023', HINT = 'The default, 24 hours, is precomputed; other windows are computed per call.';
    END IF;
    IF user_id IS NOT NULL THEN
        PERFORM rec._check_id('user_id', user_id);
    END IF;
    RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context(
        'trending', strategy, NULL, user_id, n, "offset", p_window => "window", p_tags_filter => rec._filter_tags(tags),
        p_filter => filter));
END;
$$;
COMMENT ON FUNCTION rec.trending(integer, integer, interval, text, text[], text, jsonb) IS
'Trending items (item_id, score, reasons) best first: engagement velocity in the window vs the window before, damped by item age; popularity when nothing is trending. Default 24 h window is precomputed (pgrec.trending). Optional user_id (light tag-interest boost, blocked tags excluded), tags filter (any of), strategy and content filter.';
