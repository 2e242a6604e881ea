-- Consent purposes. Both hold until the user says otherwise; an installation that needs
-- opt-in sets default_granted false.
INSERT INTO pgrec.consent_purposes (purpose, default_granted, description) VALUES
    ('personalization', true, 'rank lists with the user''s history and preferences'),
    ('analytics',       true, 'count the user in aggregate analytics (rec.analytics)');
