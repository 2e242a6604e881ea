-- Signal "difficulty": how close an item's level (attributes.level, a number) is to the
-- learner's recommended difficulty (rec._difficulty_target): exp(-|level - target|), so the
-- item at the target scores 1, one level off 0.37, two levels off 0.14. An item without a level
-- scores a neutral 0.5: nothing says it is too easy or too hard.
CREATE FUNCTION rec._signal_difficulty(p_level jsonb, p_target double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN jsonb_typeof(p_level) = 'number'
                THEN rec._decay(abs((p_level #>> '{}')::double precision - p_target))
                ELSE 0.5 END;
$$;
COMMENT ON FUNCTION rec._signal_difficulty(jsonb, double precision) IS
'Internal signal "difficulty": exp(-|attributes.level - target|), 0.5 for items without a level.';
