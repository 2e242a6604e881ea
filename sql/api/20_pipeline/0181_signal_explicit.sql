-- Signal "explicit": how well the item matches the tags the user declared. Each declared tag
-- the item carries adds m += user weight x tag-kind weight (pgrec.tag_kinds: a matching tool,
-- 0.5, counts more than a matching topic, 0.2); the sum saturates as
--     1 - exp(-m / strongest),   strongest = the user's largest declared weight
-- so matching that one tag gives 0.63 and two strong tags 0.86. rec._score sums m over the
-- item's tags (one hash join for all candidates) and calls this for the value. Blocked tags are
-- not a score: they exclude the item outright.
CREATE FUNCTION rec._signal_explicit(p_matched double precision, p_strongest double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_strongest > 0 THEN 1 - rec._decay(coalesce(p_matched, 0) / p_strongest) ELSE 0 END;
$$;
COMMENT ON FUNCTION rec._signal_explicit(double precision, double precision) IS
'Internal signal "explicit": 1 - exp(-matched declared tag weight / strongest declared weight).';
