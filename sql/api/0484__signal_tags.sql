-- Signal "tags": weighted Jaccard overlap between the user's interest tags U (tags of items
-- they engaged with, decayed, plus declared preferences; the strongest scaled to 1, see
-- rec._interest_profile) and the item's tags I (weight 1 each):
--     sum(min) / sum(max) = s / (|I| + total(U) - s),   s = sum of U's weights over I ∩ U
-- 1 only when the item carries exactly the user's tags at full weight; an item with many
-- unrelated tags scores lower than a focused one. rec._feed_scores computes s for all
-- candidates with one hash join and calls this for the value.
CREATE FUNCTION rec._signal_tags(p_shared double precision, p_item_tags integer, p_interest_total double precision)
RETURNS double precision
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(p_shared / nullif(p_item_tags + p_interest_total - p_shared, 0), 0);
$$;
COMMENT ON FUNCTION rec._signal_tags(double precision, integer, double precision) IS
'Internal signal "tags": weighted Jaccard s / (|item tags| + total interest weight - s), s the interest weight the item''s tags share.';
