-- What is installed, for readiness probes that run as a role that cannot read pgrec tables:
-- the Alembic revision(s), the checksum of the installed rec API and the embedding dimension.
-- The caller compares them with the code it ships (see app/api/ops.py, GET /readyz).
CREATE FUNCTION rec.installation()
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_revisions jsonb := '[]';
BEGIN
    -- Absent when pgrec was installed straight from sql/ (install_canonical) instead of Alembic.
    IF to_regclass('pgrec.alembic_version') IS NOT NULL THEN
        EXECUTE 'SELECT coalesce(jsonb_agg(version_num ORDER BY version_num), ''[]'') FROM pgrec.alembic_version'
            INTO v_revisions;
    END IF;
    RETURN jsonb_build_object(
        'revisions', v_revisions,
        'api_checksum', (SELECT m.value FROM pgrec.meta m WHERE m.key = 'api_checksum'),
        'embedding_dim', rec.embedding_dim());
END;
$$;
COMMENT ON FUNCTION rec.installation() IS
'Installed pgrec version facts: {"revisions": [alembic revision ids], "api_checksum", "embedding_dim"}; for readiness checks.';
