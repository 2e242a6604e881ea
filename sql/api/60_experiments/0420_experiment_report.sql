-- How the variants of an experiment did, one row per variant:
--   SELECT variant, impressions, ctr, ctr_low, ctr_high, ctr_diff_low, ctr_diff_high
--   FROM rec.experiment_report('blend_test');                 -- attribution window 24 hours
--
-- What is counted, as of rec.now():
--   impressions  rows of pgrec.impressions logged for the experiment while it ran
--                (starts_at <= served_at < ends_at); pages served outside that window went to
--                the control variant by rule and are left out
--   users        distinct users with an impression in the variant
--   clicks       impressions followed by a positive event on the same item by the same user:
--                effective polarity > 0 in pgrec.weighted_events, i.e. click, like, save,
--                share, apply, complete and ratings above the neutral value with the seed types;
--                views (polarity 0: an application may log one for the display itself) and
--                dismissals (-1) do not count
--   conversions  impressions followed by such an event other than a bare click: the user did
--                something with the item (like, save, share, apply, complete, a good rating)
--   followed     the event happened at or after served_at and at most `attribution` later; an
--                event belongs to the latest impression of that item to that user at or before
--                it (of this experiment, another or none), so no event counts twice, and
--                an impression counts once however many events follow it
--   ctr, conversion_rate   clicks / impressions, conversions / impressions, each with its 95 %
--                Wilson interval (rec._wilson_interval)
--   coverage     distinct items shown / live items now (pgrec.is_live)
--   ctr_diff     ctr − the control variant's ctr, with the 95 % normal-approximation interval
--                (rec._difference_interval); NULL on the control row. The control is the
--                variant named 'control', else the first by name (control = true).
-- The intervals treat impressions as independent trials. They are not: one user's impressions
-- are alike, so with few users seeing many items each the intervals are too narrow; read them
-- with `users`. Impressions of the last `attribution` have had less time to be followed, alike
-- in every variant.
CREATE FUNCTION rec.experiment_report(experiment text, attribution interval DEFAULT '24 hours')
RETURNS TABLE (variant text, strategy text, share double precision, control boolean, users bigint, impressions bigint,
               clicks bigint, ctr double precision, ctr_low double precision, ctr_high double precision,
               conversions bigint, conversion_rate double precision, conversion_low double precision,
               conversion_high double precision, items_shown bigint, coverage double precision,
               ctr_diff double precision, ctr_diff_low double precision, ctr_diff_high double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_now        constant timestamptz := rec.now();
    v_experiment pgrec.experiments;
    v_window     interval := experiment_report.attribution;
    v_control    text;
    v_live       bigint;
BEGIN
    PERFORM rec._check_experiment(experiment_report.experiment);
    SELECT * INTO v_experiment FROM pgrec.experiments AS e WHERE e.name = experiment_report.experiment;
    IF v_window IS NULL THEN
        RAISE EXCEPTION 'attribution must not be null' USING ERRCODE = '22004';
    END IF;
    -- Longer windows credit a variant with whatever the user does weeks later.
    IF v_window <= interval '0' OR v_window > interval '30 days' THEN
        RAISE EXCEPTION 'attribution must be more than 0 and at most 30 days, got %', v_window USING ERRCODE = '22023';
    END IF;
    v_control := rec._experiment_control(v_experiment.name);
    SELECT count(*) INTO v_live FROM pgrec.items AS i WHERE pgrec.is_live(i.status, i.created_at, i.expires_at, v_now);

    RETURN QUERY
    WITH shown AS MATERIALIZED (
        SELECT s.id, s.variant, s.user_id, s.item_id, s.served_at
        FROM pgrec.impressions AS s
        WHERE s.experiment = v_experiment.name
          AND s.served_at >= v_experiment.starts_at
          AND (v_experiment.ends_at IS NULL OR s.served_at < v_experiment.ends_at)
          AND s.served_at <= v_now
    ),
    followed AS MATERIALIZED (
        SELECT s.id, bool_or(x.type <> 'click') AS converted
        FROM shown AS s
        JOIN rec._impression_events(v_experiment.starts_at, v_now, v_window, v_now) AS x ON x.impression_id = s.id
        GROUP BY s.id
    ),
    per_variant AS (
        SELECT v.variant, v.strategy, v.share, v.variant = v_control AS control,
               count(DISTINCT s.user_id) AS users,
               count(s.id) AS impressions,
               count(f.id) AS clicks,
               count(f.id) FILTER (WHERE f.converted) AS conversions,
               count(DISTINCT s.item_id) AS items_shown
        FROM pgrec.experiment_variants AS v
        LEFT JOIN shown AS s ON s.variant = v.variant
        LEFT JOIN followed AS f ON f.id = s.id
        WHERE v.experiment = v_experiment.name
        GROUP BY v.variant, v.strategy, v.share
    )
    SELECT p.variant, p.strategy, p.share, p.control, p.users, p.impressions,
           p.clicks, p.clicks::double precision / nullif(p.impressions, 0), ci.low, ci.high,
           p.conversions, p.conversions::double precision / nullif(p.impressions, 0), cv.low, cv.high,
           p.items_shown, p.items_shown::double precision / nullif(v_live, 0),
           CASE WHEN NOT p.control THEN p.clicks::double precision / nullif(p.impressions, 0)
                                        - c.clicks::double precision / nullif(c.impressions, 0) END,
           CASE WHEN NOT p.control THEN d.low END,
           CASE WHEN NOT p.control THEN d.high END
    FROM per_variant AS p
    LEFT JOIN per_variant AS c ON c.control
    CROSS JOIN LATERAL rec._wilson_interval(p.clicks, p.impressions) AS ci
    CROSS JOIN LATERAL rec._wilson_interval(p.conversions, p.impressions) AS cv
    CROSS JOIN LATERAL rec._difference_interval(p.clicks, p.impressions, c.clicks, c.impressions) AS d
    ORDER BY p.variant COLLATE "C";
END;
$$;
COMMENT ON FUNCTION rec.experiment_report(text, interval) IS
'Per variant of an experiment: strategy, share, control, users, impressions, clicks and CTR, conversions and conversion rate (95 % Wilson intervals), items shown and coverage, and the CTR difference to the control with its 95 % interval. Events count within `attribution` after an impression, each for the latest impression before it.';
