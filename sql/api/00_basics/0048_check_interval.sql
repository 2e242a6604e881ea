-- An interval argument (a window, a retention, a back-off): not null, finite, within bounds
-- (p_min inclusive, or exclusive when p_min_exclusive; p_max inclusive, NULL for none).
CREATE FUNCTION rec._check_interval(p_what text, p_value interval, p_min interval, p_max interval,
                                    p_min_exclusive boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_value IS NULL THEN
        RAISE EXCEPTION '% must not be null', p_what USING ERRCODE = '22004';
    END IF;
    IF NOT isfinite(p_value) OR p_value < p_min OR (p_min_exclusive AND p_value = p_min) OR p_value > p_max THEN
        RAISE EXCEPTION '% must be a finite interval of % %, got %', p_what,
                        CASE WHEN p_min_exclusive THEN 'more than' ELSE 'at least' END,
                        p_min::text || coalesce(' and at most ' || p_max::text, ''), p_value
            USING ERRCODE = '22023';
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._check_interval(text, interval, interval, interval, boolean) IS
'Internal: validate an interval argument (22004 null, 22023 infinite or out of bounds).';
