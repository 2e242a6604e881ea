-- The variant of an experiment a user is served. While the experiment runs (by rec.now(), see
-- rec._experiment_status), the user's bucket (rec._experiment_bucket) falls into the variants'
-- cumulative shares in variant-name order: the first variant whose running sum of shares
-- exceeds the bucket (the last variant when rounding leaves a sum a hair under 1). Names are
-- compared byte by byte (COLLATE "C"), so the split does not depend on the database's locale.
--
-- While it does not run, before its start or after its end, everyone gets the control variant
-- (rec._experiment_control: the one named 'control', else the first by name). What users saw
-- before the experiment is then what they see after it, no treatment outlives its experiment,
-- and an application may keep asking for 'experiment:NAME' on either side of the window.
--
-- No row for an unknown experiment (callers raise their own error); no user (NULL) gets control.
CREATE FUNCTION rec._experiment_variant(p_experiment text, p_user_id text, p_now timestamptz)
RETURNS TABLE (variant text, strategy text, running boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH x AS (
        SELECT rec._experiment_status(e.starts_at, e.ends_at, p_now) = 'running' AS running,
               rec._experiment_bucket(e.name, p_user_id) AS bucket,   -- NULL without a user
               rec._experiment_control(e.name) AS control
        FROM pgrec.experiments AS e
        WHERE e.name = p_experiment
    ),
    v AS (
        SELECT ev.variant, ev.strategy,
               sum(ev.share) OVER (ORDER BY ev.variant COLLATE "C") AS upto,
               row_number() OVER (ORDER BY ev.variant COLLATE "C" DESC) = 1 AS last
        FROM pgrec.experiment_variants AS ev
        WHERE ev.experiment = p_experiment
    )
    SELECT v.variant, v.strategy, x.running
    FROM x
    CROSS JOIN v
    WHERE CASE WHEN x.running AND x.bucket IS NOT NULL THEN v.upto > x.bucket OR v.last ELSE v.variant = x.control END
    ORDER BY v.variant COLLATE "C"
    LIMIT 1;
$$;
COMMENT ON FUNCTION rec._experiment_variant(text, text, timestamptz) IS
'Internal: (variant, strategy, running) of an experiment for a user at a time: by hash bucket and cumulative shares while running, else the control variant; no row for an unknown experiment.';
