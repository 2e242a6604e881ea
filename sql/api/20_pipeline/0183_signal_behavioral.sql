-- Signal "behavioral": what the user's own behaviour says about this item beyond exclusions.
--   creator affinity  +1/3 per other item of the same creator the user liked, up to 1 (three
--                     items): "more from a creator you like"
--   following         + p_follow for an item of a creator the user follows: the caller passes
--                     exp(-age / tau) of the item (the strategy's recency tau), so a followed
--                     creator's new work counts fully and their old work fades
--   (both capped at 1 together)
--   already viewed    -0.5 for an item the user was shown but did not act on (only reachable
--                     when the exclusion policy keeps viewed items, e.g. explore)
CREATE FUNCTION rec._signal_behavioral(p_creator_likes integer, p_viewed boolean, p_follow double precision DEFAULT 0)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT least(least(coalesce(p_creator_likes, 0), 3)::double precision / 3 + coalesce(p_follow, 0), 1)
           - CASE WHEN p_viewed THEN 0.5 ELSE 0 END;
$$;
COMMENT ON FUNCTION rec._signal_behavioral(integer, boolean, double precision) IS
'Internal signal "behavioral": creator affinity (liked items of the creator / 3) plus the follow term, at most 1, minus 0.5 if already viewed.';
