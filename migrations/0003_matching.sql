-- Matching: the initiatives catalogue, peers with a search index of whom and where they can reach,
-- what Makker suggested to whom (and what the person chose), and peers a person must never see again.

CREATE TABLE initiatives (
    key             TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    organiser       TEXT NOT NULL,
    description_da  TEXT NOT NULL,
    description_en  TEXT NOT NULL,
    target_groups   TEXT NOT NULL,   -- JSON array of matching.taxonomy codes
    min_age         INTEGER,
    max_age         INTEGER,
    support_forms   TEXT NOT NULL,
    area            TEXT NOT NULL,   -- JSON {national, online, regions, municipalities}
    audience        TEXT NOT NULL CHECK (audience IN ('seekers', 'peers')),
    contact_da      TEXT NOT NULL,
    contact_en      TEXT NOT NULL,
    active          INTEGER NOT NULL,
    imported_at     TEXT NOT NULL
);

CREATE TABLE peers (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'paused', 'rejected')),
    kind            TEXT NOT NULL CHECK (kind IN ('paid', 'volunteer')),
    gender          TEXT NOT NULL,
    target_groups   TEXT NOT NULL,
    support_forms   TEXT NOT NULL,
    languages       TEXT NOT NULL,
    contact_modes   TEXT NOT NULL,
    area            TEXT NOT NULL,
    min_age         INTEGER NOT NULL DEFAULT 18,
    max_age         INTEGER,
    capacity        INTEGER NOT NULL CHECK (capacity >= 0),
    active_matches  INTEGER NOT NULL DEFAULT 0 CHECK (active_matches >= 0),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- One row per (target group, place, language) an available peer reaches, kept in step with peers by
-- bot/store/peers.py. A place is 'm:<kommunekode>', 'r:<region>', 'national' or 'online'. Only approved
-- peers with room have rows, so a lookup is one index range per place, least loaded first.
CREATE TABLE peer_reach (
    target_group    TEXT NOT NULL,
    place           TEXT NOT NULL,
    language        TEXT NOT NULL,
    load            REAL NOT NULL,    -- active_matches / capacity
    peer_id         INTEGER NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
    PRIMARY KEY (target_group, place, language, load, peer_id)
) WITHOUT ROWID;
CREATE INDEX peer_reach_peer ON peer_reach (peer_id);

-- Peers a person declined or blocked, or who declined the person: never suggested to them again.
CREATE TABLE match_exclusions (
    user_id     INTEGER NOT NULL,
    peer_id     INTEGER NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL CHECK (reason IN ('declined_by_person', 'blocked_by_person', 'declined_by_peer')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, peer_id)
);

CREATE TABLE suggestions (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('peer', 'initiative')),
    candidate       TEXT NOT NULL,    -- peer id or initiative key
    position        INTEGER NOT NULL,
    score           REAL NOT NULL,
    reasons         TEXT NOT NULL,    -- JSON [[key, {param: code}], ...]
    created_at      TEXT NOT NULL,
    chosen_at       TEXT
);
CREATE INDEX suggestions_user ON suggestions (user_id, request_id);

-- A request with no peer to suggest waits here and is matched again as peers become available.
ALTER TABLE support_requests ADD COLUMN waiting_since TEXT;
CREATE INDEX support_requests_waiting ON support_requests (waiting_since) WHERE waiting_since IS NOT NULL;
