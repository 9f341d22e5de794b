-- Peers and the life of a match: applications, offers, matches, the relay's message map, reports,
-- pairs never to be offered to each other again, and suspensions. Times are UTC text (bot/clock.py).
-- Two-party tables name both people by their Telegram user id, so /mydata and /delete reach both sides
-- (bot/store/privacy.py shows each side only its own id).

-- A peer's profile beyond what matching reads. peers.status keeps its meaning: 'approved' is active,
-- 'paused' is paused (until paused_until, or until they resume; a suspended peer is held at 'paused').
ALTER TABLE peers ADD COLUMN paused_until TEXT;
ALTER TABLE peers ADD COLUMN organisation TEXT;
ALTER TABLE peers ADD COLUMN age_band TEXT;                            -- the peer's own age band
CREATE INDEX peers_paused_until ON peers (paused_until) WHERE paused_until IS NOT NULL;

-- An application to become a peer: a draft saved step by step, then pending until a coordinator decides.
CREATE TABLE peer_applications (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'approved', 'rejected', 'withdrawn')),
    step             TEXT NOT NULL,
    answers          TEXT NOT NULL,       -- JSON, see bot/peer_application.py Answers
    editing          INTEGER NOT NULL DEFAULT 0,
    consent_version  TEXT NOT NULL,       -- the wording of the consent the applicant agreed to
    consented_at     TEXT NOT NULL,
    submitted_at     TEXT,
    decided_at       TEXT,
    reject_reason    TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX peer_applications_one_live ON peer_applications (user_id) WHERE status IN ('draft', 'pending');
CREATE INDEX peer_applications_pending ON peer_applications (status, submitted_at);

-- A person's request offered to one peer. At most one open offer per request (the partial unique index).
CREATE TABLE offers (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,     -- the person seeking support
    peer_id         INTEGER NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
    peer_user_id    INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'accepted', 'declined', 'expired', 'withdrawn')),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    reminder_at     TEXT NOT NULL,
    reminded_at     TEXT,
    decided_at      TEXT,
    decline_reason  TEXT CHECK (decline_reason IN ('no_time', 'not_a_fit', 'knows_person', 'other'))
);
CREATE UNIQUE INDEX offers_one_open ON offers (request_id) WHERE state = 'open';
CREATE INDEX offers_expiry_due ON offers (expires_at) WHERE state = 'open';
CREATE INDEX offers_reminder_due ON offers (reminder_at) WHERE state = 'open' AND reminded_at IS NULL;
CREATE INDEX offers_peer ON offers (peer_user_id, state);
CREATE INDEX offers_user ON offers (user_id, state);

-- After a decline or silence (and the other reasons here) the two are never offered to each other again,
-- in either role.
CREATE TABLE never_pairs (
    person_user_id  INTEGER NOT NULL,
    peer_user_id    INTEGER NOT NULL,
    reason          TEXT NOT NULL CHECK (reason IN ('declined', 'expired', 'knows_person', 'blocked', 'ended')),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (person_user_id, peer_user_id)
);
CREATE INDEX never_pairs_peer ON never_pairs (peer_user_id);

-- An accepted offer: the relay is open until one side ends it. `number` is the conversation's number as
-- its peer sees it ("Makker-samtale #2"), unique per peer.
CREATE TABLE matches (
    id                  INTEGER PRIMARY KEY,
    offer_id            INTEGER NOT NULL UNIQUE REFERENCES offers (id) ON DELETE CASCADE,
    request_id          INTEGER NOT NULL,
    user_id             INTEGER NOT NULL,
    peer_id             INTEGER NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
    peer_user_id        INTEGER NOT NULL,
    number              INTEGER NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('open', 'ended')),
    opened_at           TEXT NOT NULL,
    person_shares_contact  INTEGER NOT NULL DEFAULT 0,
    peer_shares_contact    INTEGER NOT NULL DEFAULT 0,
    ended_at            TEXT,
    ended_by            TEXT CHECK (ended_by IN ('person', 'peer', 'coordinator', 'erasure')),
    end_reason          TEXT CHECK (end_reason IN (
                            'done', 'not_helpful', 'no_time', 'other', 'blocked', 'suspended', 'deleted',
                            'contacts_exchanged'))
);
CREATE UNIQUE INDEX matches_peer_number ON matches (peer_id, number);
CREATE INDEX matches_user ON matches (user_id, state);
CREATE INDEX matches_peer_user ON matches (peer_user_id, state);

-- Relayed messages: where a message a person sent was copied to, so that replies thread and edits follow.
CREATE TABLE relay_messages (
    from_chat     INTEGER NOT NULL,
    from_message  INTEGER NOT NULL,
    match_id      INTEGER NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    to_chat       INTEGER NOT NULL,
    to_message    INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (from_chat, from_message)
);
CREATE INDEX relay_messages_to ON relay_messages (to_chat, to_message);
CREATE INDEX relay_messages_match ON relay_messages (match_id);

-- A report in the reporter's own words, for the coordinators.
CREATE TABLE reports (
    id                 INTEGER PRIMARY KEY,
    match_id           INTEGER REFERENCES matches (id) ON DELETE SET NULL,
    reporter_user_id   INTEGER NOT NULL,
    reported_user_id   INTEGER NOT NULL,
    text               TEXT NOT NULL,
    blocked            INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    handled_at         TEXT
);
CREATE INDEX reports_open ON reports (handled_at, created_at);

-- People a coordinator suspended: a suspended peer gets no offers, a suspended person no peer.
CREATE TABLE suspensions (
    user_id     INTEGER PRIMARY KEY,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- A request whose offer ended (declined, expired, withdrawn) is offered to the next best peer. The mark is
-- written with the offer's end and cleared with the next offer, so a crash in between loses nothing.
ALTER TABLE support_requests ADD COLUMN next_offer_due TEXT;
CREATE INDEX support_requests_next_offer ON support_requests (next_offer_due) WHERE next_offer_due IS NOT NULL;
