-- Create or change an A/B experiment of the feed:
--   SELECT rec.upsert_experiment('{"name": "blend_test", "description": "tuned blend against default",
--       "variants": [{"name": "control", "strategy": "default", "share": 0.5},
--                    {"name": "tuned", "strategy": "explore", "share": 0.5}]}');
-- Keys: name (required; lower-case letters, digits and _, at most 40), description, starts_at
-- (default: now), ends_at (null: runs until ended), variants (required for a new experiment:
-- 2 to 20 of {name, strategy: a feed strategy, share: (0, 1]}, shares summing to 1). Keys left
-- out keep their stored values. Returns the experiment as rec.experiments() lists it.
--
-- Users are split by a hash of their id against the variants' shares, so changing the shares,
-- the variants or the start of an experiment that has started would move users between
-- variants halfway and mix two experiments in one report. Once started, only the description
-- and the end may change (the end not into the past: rec.end_experiment ends it now); once
-- ended, only the description. A changed design is a new experiment.
CREATE FUNCTION rec.upsert_experiment(experiment jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_keys         constant text[] := ARRAY['name', 'description', 'starts_at', 'ends_at', 'variants'];
    v_variant_keys constant text[] := ARRAY['name', 'strategy', 'share'];
    v_shape        constant text := 'An experiment is {"name", "description"?, "starts_at"?, "ends_at"?, "variants": '
                                    '[{"name", "strategy": a feed strategy, "share": 0..1}, ...]} with shares summing to 1.';
    v_now          constant timestamptz := rec.now();
    v_e            constant jsonb := upsert_experiment.experiment;
    v_name         text;
    v_old          pgrec.experiments;
    v_exists       boolean;
    v_status       text;
    v_starts       timestamptz;
    v_ends         timestamptz;
    v_sum          numeric;
    v_bad          record;
BEGIN
    IF v_e IS NULL THEN
        RAISE EXCEPTION 'experiment must not be null' USING ERRCODE = '22004', HINT = v_shape;
    END IF;
    IF jsonb_typeof(v_e) <> 'object' THEN
        RAISE EXCEPTION 'experiment must be a JSON object' USING ERRCODE = '22023', HINT = v_shape;
    END IF;
    IF rec._unknown_keys(v_e, v_keys) IS NOT NULL THEN
        RAISE EXCEPTION 'unknown keys %', rec._unknown_keys(v_e, v_keys) USING ERRCODE = '22023', HINT = v_shape;
    END IF;
    IF coalesce(jsonb_typeof(v_e -> 'name'), 'null') = 'null' THEN
        RAISE EXCEPTION 'name is required' USING ERRCODE = '22004', HINT = v_shape;
    END IF;
    IF jsonb_typeof(v_e -> 'name') <> 'string' OR (v_e ->> 'name') !~ '^[a-z][a-z0-9_]{0,39}$' THEN
        RAISE EXCEPTION 'name must be 1 to 40 lower-case letters, digits or _, starting with a letter'
            USING ERRCODE = '22023', HINT = 'For example "blend_test".';
    END IF;
    v_name := v_e ->> 'name';
    IF v_e ? 'starts_at' AND jsonb_typeof(v_e -> 'starts_at') = 'null' THEN
        RAISE EXCEPTION 'starts_at must not be null (leave it out to start now)' USING ERRCODE = '22004';
    END IF;
    SELECT p.problem INTO v_bad FROM (VALUES
        (1, 'description ' || rec._json_problem(v_e -> 'description', 'title')),
        (2, 'starts_at '   || rec._json_problem(v_e -> 'starts_at', 'timestamp')),
        (3, 'ends_at '     || rec._json_problem(v_e -> 'ends_at', 'timestamp'))) AS p(n, problem)
    WHERE p.problem IS NOT NULL
    ORDER BY p.n
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%', v_bad.problem USING ERRCODE = '22023', HINT = v_shape;
    END IF;

    IF v_e ? 'variants' THEN
        IF jsonb_typeof(v_e -> 'variants') = 'null' THEN
            RAISE EXCEPTION 'variants must not be null' USING ERRCODE = '22004', HINT = v_shape;
        END IF;
        IF (CASE WHEN jsonb_typeof(v_e -> 'variants') <> 'array' THEN true
                 ELSE jsonb_array_length(v_e -> 'variants') NOT BETWEEN 2 AND 20 END) THEN
            RAISE EXCEPTION 'variants must be an array of 2 to 20 variants' USING ERRCODE = '22023', HINT = v_shape;
        END IF;
        SELECT t.ord - 1 AS idx, c.code, c.problem INTO v_bad
        FROM (SELECT x.v, x.ord, count(*) OVER (PARTITION BY x.v -> 'name') AS copies
              FROM jsonb_array_elements(v_e -> 'variants') WITH ORDINALITY AS x(v, ord)) AS t
        LEFT JOIN pgrec.strategies AS s ON jsonb_typeof(t.v) = 'object' AND s.name = t.v ->> 'strategy'
        CROSS JOIN LATERAL (VALUES
            (1, '22023', CASE WHEN jsonb_typeof(t.v) <> 'object' THEN 'must be a JSON object' END),
            (2, '22004', CASE WHEN jsonb_typeof(t.v) = 'object' THEN
                CASE WHEN coalesce(jsonb_typeof(t.v -> 'name'), 'null') = 'null' THEN 'name is required'
                     WHEN coalesce(jsonb_typeof(t.v -> 'strategy'), 'null') = 'null' THEN 'strategy is required'
                     WHEN coalesce(jsonb_typeof(t.v -> 'share'), 'null') = 'null' THEN 'share is required' END END),
            (3, '22023', CASE WHEN jsonb_typeof(t.v) = 'object' THEN coalesce(
                'unknown keys ' || rec._unknown_keys(t.v, v_variant_keys),
                CASE WHEN jsonb_typeof(t.v -> 'name') <> 'string' OR (t.v ->> 'name') !~ '^[a-z][a-z0-9_]{0,39}$'
                     THEN 'name must be 1 to 40 lower-case letters, digits or _, starting with a letter' END,
                CASE WHEN t.copies > 1 THEN format('name "%s" is given twice', t.v ->> 'name') END,
                CASE WHEN jsonb_typeof(t.v -> 'strategy') <> 'string' THEN 'strategy must be a strategy name'
                     WHEN s.name IS NULL THEN format('unknown strategy "%s"', left(t.v ->> 'strategy', 200))
                     WHEN s.list <> 'feed' THEN format('strategy "%s" serves %s lists, not the feed', s.name, s.list) END,
                CASE WHEN jsonb_typeof(t.v -> 'share') <> 'number' THEN 'share must be a number greater than 0 and at most 1'
                     WHEN (t.v ->> 'share')::numeric <= 0 OR (t.v ->> 'share')::numeric > 1
                     THEN 'share must be a number greater than 0 and at most 1' END) END)
        ) AS c(n, code, problem)
        WHERE c.problem IS NOT NULL
        ORDER BY t.ord, c.n
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'variants[%]: %', v_bad.idx, v_bad.problem USING ERRCODE = v_bad.code,
                HINT = CASE WHEN v_bad.problem LIKE '%strategy%'
                            THEN 'Feed strategies: ' || (SELECT string_agg(s.name, ', ' ORDER BY s.name)
                                                         FROM pgrec.strategies AS s WHERE s.list = 'feed') || '.'
                            ELSE v_shape END;
        END IF;
        -- Exact decimal arithmetic: the tolerance is for shares such as 1/3 written to 15 digits.
        SELECT sum((x ->> 'share')::numeric) INTO v_sum FROM jsonb_array_elements(v_e -> 'variants') AS x;
        IF abs(v_sum - 1) > 1e-9 THEN
            RAISE EXCEPTION 'variants: shares must sum to 1, got %', v_sum USING ERRCODE = '22023', HINT = v_shape;
        END IF;
    END IF;

    -- Lock the experiment against a concurrent change while this one is checked and written.
    SELECT * INTO v_old FROM pgrec.experiments AS e WHERE e.name = v_name FOR UPDATE;
    v_exists := FOUND;
    IF NOT v_exists AND NOT v_e ? 'variants' THEN
        RAISE EXCEPTION 'variants is required for a new experiment' USING ERRCODE = '22004', HINT = v_shape;
    END IF;
    v_starts := CASE WHEN v_e ? 'starts_at' THEN (v_e ->> 'starts_at')::timestamptz
                     WHEN v_exists THEN v_old.starts_at ELSE v_now END;
    v_ends := CASE WHEN v_e ? 'ends_at' THEN (v_e ->> 'ends_at')::timestamptz WHEN v_exists THEN v_old.ends_at END;
    IF v_ends <= v_starts THEN
        RAISE EXCEPTION 'ends_at must be after starts_at (%)', v_starts USING ERRCODE = '22023';
    END IF;

    IF v_exists THEN
        v_status := rec._experiment_status(v_old.starts_at, v_old.ends_at, v_now);
        IF v_status <> 'scheduled' AND v_starts IS DISTINCT FROM v_old.starts_at THEN
            RAISE EXCEPTION 'starts_at cannot change once the experiment has started (at %)', v_old.starts_at
                USING ERRCODE = '22023', HINT = 'A changed design is a new experiment.';
        END IF;
        IF v_status <> 'scheduled' AND v_e ? 'variants'
           AND (SELECT jsonb_agg(jsonb_build_array(v.variant, v.strategy, v.share) ORDER BY v.variant COLLATE "C")
                FROM pgrec.experiment_variants AS v WHERE v.experiment = v_name)
               IS DISTINCT FROM
               (SELECT jsonb_agg(jsonb_build_array(x ->> 'name', x ->> 'strategy', (x ->> 'share')::float8)
                                 ORDER BY x ->> 'name' COLLATE "C")
                FROM jsonb_array_elements(v_e -> 'variants') AS x) THEN
            RAISE EXCEPTION 'variants cannot change once the experiment has started (at %): users would change variant halfway',
                            v_old.starts_at
                USING ERRCODE = '22023', HINT = 'End it (rec.end_experiment) and start a new experiment.';
        END IF;
        IF v_status = 'ended' AND v_ends IS DISTINCT FROM v_old.ends_at THEN
            RAISE EXCEPTION 'ends_at cannot change once the experiment has ended (at %)', v_old.ends_at
                USING ERRCODE = '22023', HINT = 'Start a new experiment to test again.';
        END IF;
        IF v_status = 'running' AND v_ends IS DISTINCT FROM v_old.ends_at AND v_ends < v_now THEN
            RAISE EXCEPTION 'ends_at must not be in the past for a running experiment, got %', v_ends
                USING ERRCODE = '22023', HINT = 'rec.end_experiment ends it now.';
        END IF;
    END IF;

    INSERT INTO pgrec.experiments AS e (name, description, starts_at, ends_at)
    VALUES (v_name, coalesce(v_e ->> 'description', ''), v_starts, v_ends)
    ON CONFLICT ON CONSTRAINT experiments_pkey DO UPDATE SET
        description = CASE WHEN v_e ? 'description' THEN excluded.description ELSE e.description END,
        starts_at = excluded.starts_at,
        ends_at = excluded.ends_at;
    IF v_e ? 'variants' THEN
        DELETE FROM pgrec.experiment_variants AS v
        WHERE v.experiment = v_name
          AND v.variant NOT IN (SELECT x ->> 'name' FROM jsonb_array_elements(v_e -> 'variants') AS x);
        INSERT INTO pgrec.experiment_variants AS v (experiment, variant, strategy, share)
        SELECT v_name, x ->> 'name', x ->> 'strategy', (x ->> 'share')::float8
        FROM jsonb_array_elements(v_e -> 'variants') AS x
        ORDER BY x ->> 'name'
        ON CONFLICT ON CONSTRAINT experiment_variants_pkey DO UPDATE SET strategy = excluded.strategy, share = excluded.share;
    END IF;
    RETURN (SELECT to_jsonb(x) FROM rec.experiments() AS x WHERE x.name = v_name);
END;
$$;
COMMENT ON FUNCTION rec.upsert_experiment(jsonb) IS
'Create or change an A/B experiment of the feed from {name, description?, starts_at?, ends_at?, variants: [{name, strategy, share}]} (shares sum to 1); once started only description and ends_at may change. Returns the experiment as rec.experiments() lists it.';
