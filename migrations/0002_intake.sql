-- The intake: consent (GDPR art. 9(2)(a)), the draft of an intake in progress, and confirmed requests.
-- Health data lives only in intake_drafts and support_requests, and only after a consent row exists.

CREATE TABLE consents (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL,
    text_version  TEXT NOT NULL,       -- which wording of the consent text the person agreed to
    given_at      TEXT NOT NULL
);
CREATE INDEX consents_user ON consents (user_id);

-- One intake in progress per person. Written before the next question is sent.
CREATE TABLE intake_drafts (
    user_id     INTEGER PRIMARY KEY,
    step        TEXT NOT NULL,
    answers     TEXT NOT NULL,         -- JSON, see bot/intake.py Answers
    editing     INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX intake_drafts_updated ON intake_drafts (updated_at);

CREATE TABLE support_requests (
    id                 INTEGER PRIMARY KEY,
    user_id            INTEGER NOT NULL,
    status             TEXT NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'replaced', 'withdrawn', 'closed')),
    for_whom           TEXT NOT NULL,
    target_groups      TEXT NOT NULL,  -- JSON array of matching.taxonomy codes
    age_band           TEXT NOT NULL,
    municipality_code  INTEGER,        -- NULL when online is fine instead
    online_only        INTEGER NOT NULL,
    support_forms      TEXT NOT NULL,
    languages          TEXT NOT NULL,
    gender_preference  TEXT NOT NULL,
    contact_modes      TEXT NOT NULL,
    free_text          TEXT,
    consent_id         INTEGER NOT NULL REFERENCES consents (id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX support_requests_user ON support_requests (user_id, status);
CREATE INDEX support_requests_status ON support_requests (status, updated_at);
