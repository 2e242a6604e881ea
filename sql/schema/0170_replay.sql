-- Replays measure pgrec on the installation's own history (`pgrec tune`): inside one
-- transaction they hold out each sampled user's latest events (rec.replay_split deletes them),
-- refit everything on what is left, rank, compare with what the users really did next, and
-- roll back. A replay transaction can never commit: rec.replay_split inserts a row here, and
-- the deferred constraint trigger below raises at COMMIT, which turns the COMMIT into a
-- ROLLBACK. Held-out events are therefore never lost, whatever the client does.
CREATE TABLE pgrec.replay_guard (
    started_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgrec.replay_guard IS 'A row exists only inside a replay transaction, which its trigger keeps from committing.';

CREATE FUNCTION pgrec.replay_cannot_commit()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'a replay transaction cannot commit: it held out events to measure on them'
        USING ERRCODE = '25000', HINT = 'End a replay (pgrec tune) with ROLLBACK; nothing it changed is kept.';
END;
$$;
COMMENT ON FUNCTION pgrec.replay_cannot_commit() IS 'Trigger: a transaction that started a replay raises at commit (so it rolls back).';

CREATE CONSTRAINT TRIGGER replay_cannot_commit
    AFTER INSERT ON pgrec.replay_guard
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pgrec.replay_cannot_commit();
