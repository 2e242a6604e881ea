-- Follows: a user follows a creator (the creator_id items carry), and the creator's new work
-- then reaches the user's lists (the candidate source "following" and the signal
-- "behavioral"). Written by rec.follow and rec.unfollow.
--
-- A relation, not an event type. An event is about an item, and a follow is about a creator,
-- who may have published nothing yet; events are an append-only history that every aggregate
-- sums (engagement, neighbours, trending), while a follow is a state that unfollowing ends and
-- that must not count as engagement with any item; and a list needs "whom does this user
-- follow now", one index range of this table, not a replay of follow/unfollow pairs. The
-- times are kept, so a replay (rec.as_of) sees the follows of its moment: one row per user and
-- creator, active from followed_at until unfollowed_at (NULL: still following). Following again
-- after an unfollow starts the row anew.
CREATE TABLE pgrec.follows (
    user_id       bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    creator_id    text NOT NULL CHECK (length(creator_id) BETWEEN 1 AND 200),
    followed_at   timestamptz NOT NULL CHECK (isfinite(followed_at)),
    unfollowed_at timestamptz CHECK (isfinite(unfollowed_at)),
    PRIMARY KEY (user_id, creator_id),
    CHECK (unfollowed_at IS NULL OR unfollowed_at >= followed_at)
);
COMMENT ON TABLE pgrec.follows IS 'Users following creators (items.creator_id), from followed_at until unfollowed_at (NULL: still following).';

-- Erasing a creator (rec.forget_user) removes the follows that name them.
CREATE INDEX follows_creator ON pgrec.follows (creator_id);
