-- The onboarding questionnaire for new users (rec.status says when it is needed):
--   SELECT * FROM rec.onboarding_questions();
-- options is [{"id", "label"}, ...] in display order. Answers go to rec.submit_onboarding.
CREATE FUNCTION rec.onboarding_questions()
RETURNS TABLE (question_id text, prompt text, multiple boolean, options jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT q.question_id, q.prompt, q.multiple,
           coalesce((SELECT jsonb_agg(jsonb_build_object('id', o.option_id, 'label', o.label)
                                      ORDER BY o.position, o.option_id)
                     FROM pgrec.onboarding_options AS o WHERE o.question_id = q.question_id), '[]')
    FROM pgrec.onboarding_questions AS q
    WHERE q.active
    ORDER BY q.position, q.question_id;
$$;
COMMENT ON FUNCTION rec.onboarding_questions() IS
'Active onboarding questions in order: (question_id, prompt, multiple, options [{id, label}]).';
