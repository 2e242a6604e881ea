-- The 95 % interval of the difference of two proportions, p1 − p2 with p = successes / trials,
-- by the normal approximation: (p1 − p2) ± z · sqrt(p1(1 − p1)/n1 + p2(1 − p2)/n2), z as in
-- rec._wilson_interval. An interval that excludes 0 is a difference at the 5 % level. NULLs
-- when either side has no trials.
CREATE FUNCTION rec._difference_interval(p_successes1 bigint, p_trials1 bigint, p_successes2 bigint, p_trials2 bigint,
                                         OUT low double precision, OUT high double precision)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT d.difference - d.z * d.se, d.difference + d.z * d.se
    FROM (SELECT x.p1 - x.p2 AS difference,
                 sqrt(x.p1 * (1 - x.p1) / x.n1 + x.p2 * (1 - x.p2) / x.n2) AS se,
                 1.959963984540054::double precision AS z
          FROM (SELECT p_successes1::double precision / nullif(p_trials1, 0) AS p1, nullif(p_trials1, 0)::double precision AS n1,
                       p_successes2::double precision / nullif(p_trials2, 0) AS p2, nullif(p_trials2, 0)::double precision AS n2) AS x) AS d;
$$;
COMMENT ON FUNCTION rec._difference_interval(bigint, bigint, bigint, bigint) IS
'Internal: the 95 % normal-approximation interval (low, high) of successes1/trials1 − successes2/trials2; NULLs when either has no trials.';
