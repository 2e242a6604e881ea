-- The experiments, with their variants and whether each runs now (rec.now()):
--   SELECT name, status, variants FROM rec.experiments();
-- status: scheduled (before starts_at), running, ended (from ends_at on). variants:
-- [{name, strategy, share, control}] in name order, the order users are split in.
CREATE FUNCTION rec.experiments()
RETURNS TABLE (name text, description text, list text, status text, starts_at timestamptz, ends_at timestamptz,
               variants jsonb, created_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT e.name, e.description, e.list, rec._experiment_status(e.starts_at, e.ends_at, rec.now()),
           e.starts_at, e.ends_at,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('name', v.variant, 'strategy', v.strategy, 'share', v.share,
                                                         'control', v.variant = rec._experiment_control(e.name))
                                      ORDER BY v.variant COLLATE "C"), '[]')
            FROM pgrec.experiment_variants AS v WHERE v.experiment = e.name),
           e.created_at
    FROM pgrec.experiments AS e
    ORDER BY e.name;
$$;
COMMENT ON FUNCTION rec.experiments() IS
'A/B experiments: name, description, list, status (scheduled, running, ended by rec.now()), starts_at, ends_at, variants [{name, strategy, share, control}], created_at.';
