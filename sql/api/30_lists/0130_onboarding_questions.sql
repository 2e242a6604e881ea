-- The onboarding questionnaire for new users (rec.status says when it is needed):
--   SELECT * FROM rec.onboarding_questions();             -- the default quiz
--   SELECT * FROM rec.onboarding_questions('explore');    -- the explore page's
-- options is [{"id", "label"}, ...] in display order. Answers go to rec.submit_onboarding
-- (question ids are unique across questionnaires). A questionnaire no question names is an
-- error rather than an empty quiz (a misspelt name would otherwise show a new user nothing),
-- except 'default', which an installation may have emptied on purpose.
CREATE FUNCTION rec.onboarding_questions(questionnaire text DEFAULT 'default')
RETURNS TABLE (question_id text, prompt text, multiple boolean, options jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF onboarding_questions.questionnaire IS NULL THEN
        RAISE EXCEPTION 'questionnaire must not be null' USING ERRCODE = '22004', HINT = 'The default one is ''default''.';
    END IF;
    IF onboarding_questions.questionnaire <> 'default'
       AND NOT EXISTS (SELECT FROM pgrec.onboarding_questions AS q
                       WHERE q.questionnaire = onboarding_questions.questionnaire) THEN
        RAISE EXCEPTION 'questionnaire "%" has no questions', left(onboarding_questions.questionnaire, 100) USING ERRCODE = '22023',
            HINT = 'One of: ' || coalesce((SELECT string_agg(DISTINCT q.questionnaire, ', ')
                                           FROM pgrec.onboarding_questions AS q), 'none (no questions are installed)');
    END IF;
    RETURN QUERY
    SELECT q.question_id, q.prompt, q.multiple,
           coalesce((SELECT jsonb_agg(jsonb_build_object('id', o.option_id, 'label', o.label)
                                      ORDER BY o.position, o.option_id)
                     FROM pgrec.onboarding_options AS o WHERE o.question_id = q.question_id), '[]')
    FROM pgrec.onboarding_questions AS q
    WHERE q.active AND q.questionnaire = onboarding_questions.questionnaire
    ORDER BY q.position, q.question_id;
END;
$$;
COMMENT ON FUNCTION rec.onboarding_questions(text) IS
'Active onboarding questions of a questionnaire (default ''default'') in order: (question_id, prompt, multiple, options [{id, label}]); 22023 for an unknown questionnaire.';
