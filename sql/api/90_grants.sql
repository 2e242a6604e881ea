-- The public surface, in one place. Everything in rec is first closed to PUBLIC; the
-- application role gets what an application (or the HTTP API on its behalf) calls, the admin
-- role also the operations. Internal functions (leading underscore) are granted to nobody:
-- they are reachable only through the SECURITY DEFINER entry points. Functions are named
-- without argument lists (each name is unique in rec), so adding a parameter with a default
-- needs no edit here.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA rec FROM PUBLIC;
REVOKE ALL ON SCHEMA rec FROM PUBLIC;
GRANT USAGE ON SCHEMA rec TO pgrec_app;

-- Writing data and reading lists.
GRANT EXECUTE ON FUNCTION
    rec.now, rec.upsert_items, rec.upsert_users, rec.track, rec.submit_onboarding,
    rec.feed, rec.explain, rec.status, rec.onboarding_questions, rec.strategies,
    rec.trending, rec.latest, rec.similar_items, rec.nearby, rec.search, rec.next_items,
    rec.learning_path, rec.session_feed, rec.user_stats, rec.items, rec.embedding_dim
TO pgrec_app;

-- Profiles, re-ranking, consent: what a host application shows a user about themselves,
-- orders for them, and records of their choices.
GRANT EXECUTE ON FUNCTION
    rec.profile, rec.profile_history, rec.rank, rec.recommendation_types,
    rec.upsert_consents, rec.consents
TO pgrec_app;

-- Learning: paths, progress, difficulty, achievements.
GRANT EXECUTE ON FUNCTION
    rec.upsert_paths, rec.paths, rec.path_progress, rec.recommended_difficulty,
    rec.achievements, rec.claim_achievement
TO pgrec_app;

-- Follows of creators: an application follows and unfollows for its user and lists whom they follow.
GRANT EXECUTE ON FUNCTION
    rec.follow, rec.unfollow, rec.following
TO pgrec_app;

-- A/B experiments: an application asks which variant a user is in and logs what it showed.
GRANT EXECUTE ON FUNCTION
    rec.experiment_variant, rec.log_impressions
TO pgrec_app;

-- What the HTTP API process itself needs (verifying keys, readiness, freshness for /metrics),
-- and what a host application does when its user asks: account deletion, data access.
GRANT EXECUTE ON FUNCTION
    rec.authenticate, rec.api_key_prefixes, rec.installation, rec.freshness,
    rec.forget_user, rec.export_user, rec.export_user_events
TO pgrec_app;

-- Operations: derived data and the schedule, rules, the embedding queue, API keys, tombstones.
GRANT EXECUTE ON FUNCTION
    rec.refresh, rec.refresh_status, rec.due_steps, rec.lock_step, rec.unlock_step, rec.log_job_run,
    rec.rules, rec.upsert_rules, rec.delete_rules,
    rec.embed_claim, rec.embed_store, rec.embed_fail, rec.embed_status, rec.embed_requeue,
    rec.embed_bulk_begin, rec.embed_bulk_finish,
    rec.create_api_key, rec.revoke_api_key, rec.api_keys, rec.unforget_user, rec.activity,
    rec.create_event_partitions, rec.replication
TO pgrec_admin;

-- Monitoring the feeds: CTR, apply and save rates, coverage, and the score distribution.
GRANT EXECUTE ON FUNCTION
    rec.feed_metrics, rec.score_distribution
TO pgrec_admin;

-- Model fits (the scheduler, `pgrec refresh`, `pgrec tune`): read interactions, write models back.
GRANT EXECUTE ON FUNCTION
    rec.models, rec.model_interactions, rec.clear_model, rec.store_neighbors, rec.store_user_candidates,
    rec.store_factors, rec.record_model_fit, rec.last_event_id, rec.set_model_parameters
TO pgrec_admin;

-- Replays (`pgrec tune`): the validation slice, the candidate pools, and the fitted strategies.
GRANT EXECUTE ON FUNCTION
    rec.replay_split, rec.feed_candidates, rec.store_tuned_strategy
TO pgrec_admin;

-- Analytics and the audit log of profile-affecting and privacy actions.
GRANT EXECUTE ON FUNCTION
    rec.analytics, rec.audit_log
TO pgrec_admin;

-- Experiments: design, end, list, report, and pruning what was logged.
GRANT EXECUTE ON FUNCTION
    rec.upsert_experiment, rec.end_experiment, rec.experiments, rec.experiment_report, rec.prune_impressions
TO pgrec_admin;
