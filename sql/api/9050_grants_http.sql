-- Grants for the HTTP API's functions (issue 6). Verifying a key, readiness facts and
-- freshness are what the API process itself needs; erasing and exporting a user are what a
-- host application does when its user asks (account deletion, data access request), so the
-- application role has them too. Managing keys is an operation, for the admin role.
GRANT EXECUTE ON FUNCTION
    rec.authenticate(text),
    rec.installation(),
    rec.freshness(),
    rec.forget_user(text),
    rec.export_user(text)
TO pgrec_app;

GRANT EXECUTE ON FUNCTION
    rec.create_api_key(text, text[]),
    rec.revoke_api_key(text),
    rec.api_keys()
TO pgrec_admin;
