-- The learning paths, by id: title, description, attributes, their modules in order and when
-- they last changed.
CREATE FUNCTION rec.paths()
RETURNS TABLE (path_id text, title text, description text, attributes jsonb, modules text[], updated_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT lp.external_id, lp.title, lp.description, lp.attributes,
           ARRAY(SELECT i.external_id FROM pgrec.path_modules AS m JOIN pgrec.items AS i ON i.id = m.item_id
                 WHERE m.path_id = lp.id ORDER BY m.position),
           lp.updated_at
    FROM pgrec.learning_paths AS lp
    ORDER BY lp.external_id;
$$;
COMMENT ON FUNCTION rec.paths() IS 'Every learning path: id, title, description, attributes, module ids in order, updated_at.';
