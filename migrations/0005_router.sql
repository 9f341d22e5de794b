-- Which conversation owns a person's free text, photo or voice note (bot/router.py): the intake, a peer
-- application, a relay with one of the person's matches, an admin's broadcast, a check-in comment.
-- At most one row per person; none means nothing is under way, and the person is told what they can do.

CREATE TABLE conversation_owners (
    user_id     INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,         -- bot/router.py Kind
    ref         INTEGER,               -- which one of its kind (e.g. the match of a relay); NULL when there is one
    claimed_at  TEXT NOT NULL
);

-- An intake under way owns the person's text, as it did before this table.
INSERT INTO conversation_owners (user_id, kind, ref, claimed_at)
    SELECT user_id, 'intake', NULL, updated_at FROM intake_drafts;
