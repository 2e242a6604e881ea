-- Whether a user consents to a purpose (pgrec.consent_purposes): their answer
-- (pgrec.consents), else the purpose's default. A visitor (NULL) answers the default.
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._consented(p_user_id bigint, p_purpose text) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_granted boolean;
BEGIN
    -- The answer, then the default: on Citus one single-shard and one reference query.
    SELECT c.granted INTO v_granted FROM pgrec.consents AS c WHERE c.user_id = p_user_id AND c.purpose = p_purpose;
    RETURN coalesce(v_granted, (SELECT p.default_granted FROM pgrec.consent_purposes AS p WHERE p.purpose = p_purpose),
                    true);
END;
$$;
COMMENT ON FUNCTION rec._consented(bigint, text) IS 'Internal: the user''s consent to a purpose, else the purpose''s default.';
