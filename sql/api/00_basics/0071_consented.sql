-- Whether a user consents to a purpose (pgrec.consent_purposes): their answer
-- (pgrec.consents), else the purpose's default. A visitor (NULL) answers the default.
CREATE FUNCTION rec._consented(p_user_id bigint, p_purpose text)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce((SELECT c.granted FROM pgrec.consents AS c WHERE c.user_id = p_user_id AND c.purpose = p_purpose),
                    (SELECT p.default_granted FROM pgrec.consent_purposes AS p WHERE p.purpose = p_purpose),
                    true);
$$;
COMMENT ON FUNCTION rec._consented(bigint, text) IS 'Internal: the user''s consent to a purpose, else the purpose''s default.';
