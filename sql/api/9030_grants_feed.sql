-- Grants for the hybrid feed (issue 3): what an application may call, and the rule
-- management an operator does.
GRANT EXECUTE ON FUNCTION
    rec.feed(text, integer, integer, text, jsonb),
    rec.explain(text, text, text),
    rec.status(text),
    rec.onboarding_questions(),
    rec.submit_onboarding(text, jsonb),
    rec.strategies()
TO pgrec_app;

GRANT EXECUTE ON FUNCTION
    rec.rules(),
    rec.upsert_rules(jsonb),
    rec.delete_rules(text[])
TO pgrec_admin;
