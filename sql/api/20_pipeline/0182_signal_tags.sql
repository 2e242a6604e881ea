-- Signal "tags": weighted Jaccard overlap between the anchor tags U (the user's interests, the
-- similar item's tags, the session's tags; the strongest weighs 1) and the item's tags I
-- (weight 1 each):
--     sum(min) / sum(max) = s / (|I| + total(U) - s),   s = sum of U's weights over I ∩ U
-- 1 only when the item carries exactly the anchor tags at full weight; an item with many
-- unrelated tags scores lower than a focused one.
CREATE FUNCTION rec._signal_tags(p_shared double precision, p_item_tags integer, p_anchor_total double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(p_shared / nullif(p_item_tags + p_anchor_total - p_shared, 0), 0);
$$;
COMMENT ON FUNCTION rec._signal_tags(double precision, integer, double precision) IS
'Internal signal "tags": weighted Jaccard s / (|item tags| + total anchor tag weight - s), s the anchor weight the item''s tags share.';
