-- The 95 % Wilson score interval of a proportion, successes out of trials:
--   centre = (p + z²/2n) / (1 + z²/n),  half width = z / (1 + z²/n) · sqrt(p(1 − p)/n + z²/4n²)
-- with p = successes / trials and z = 1.959963984540054 (the normal 97.5 % quantile). Unlike
-- p ± z·sqrt(p(1 − p)/n) it stays inside [0, 1] and does not collapse to a point at 0 or 1
-- clicks, which is where click-through rates live. NULLs without trials.
CREATE FUNCTION rec._wilson_interval(p_successes bigint, p_trials bigint,
                                     OUT low double precision, OUT high double precision)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
    -- Clamped against rounding only (greatest() and least() skip NULLs, hence the CASE).
    SELECT CASE WHEN w.half IS NOT NULL THEN greatest(0, w.centre - w.half) END,
           CASE WHEN w.half IS NOT NULL THEN least(1, w.centre + w.half) END
    FROM (SELECT (x.p + x.z ^ 2 / (2 * x.n)) / (1 + x.z ^ 2 / x.n) AS centre,
                 x.z / (1 + x.z ^ 2 / x.n) * sqrt(x.p * (1 - x.p) / x.n + x.z ^ 2 / (4 * x.n ^ 2)) AS half
          FROM (SELECT p_successes::double precision / nullif(p_trials, 0) AS p,
                       nullif(p_trials, 0)::double precision AS n,
                       1.959963984540054::double precision AS z) AS x) AS w;
$$;
COMMENT ON FUNCTION rec._wilson_interval(bigint, bigint) IS
'Internal: the 95 % Wilson score interval (low, high) of successes / trials; NULLs without trials.';
