-- A peer editing one answer of their profile from /profil (bot/peer_profile.py): the answer in progress, saved
-- at every tick so that a crash loses nothing, and gone once the profile is saved or the edit is cancelled.
-- At most one per peer. The profile itself stays in `peers` until the edit is finished.

CREATE TABLE peer_profile_edits (
    user_id     INTEGER PRIMARY KEY,
    step        TEXT NOT NULL,         -- bot/peer_application.py Step: the answer being edited
    answers     TEXT NOT NULL,         -- JSON, bot/peer_application.py Answers, with the edit so far
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX peer_profile_edits_updated ON peer_profile_edits (updated_at);
