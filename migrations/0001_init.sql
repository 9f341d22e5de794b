-- Makker's base: people who talk to the bot, updates already handled, and the outbox.
-- Times are UTC ISO-8601 text (bot/clock.py). Identity is the numeric Telegram user id.

CREATE TABLE users (
    user_id     INTEGER PRIMARY KEY,
    language    TEXT CHECK (language IN ('da', 'en')),  -- chosen with /language; NULL follows the client
    blocked_at  TEXT,                                   -- set when Telegram says the user blocked Makker
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Telegram redelivers webhook updates that were not acknowledged; each id has its effect once.
CREATE TABLE processed_updates (
    update_id   INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL
);
CREATE INDEX processed_updates_received_at ON processed_updates (received_at);

-- Everything Makker sends on its own initiative: one row per message, sent by bot/outbox.py.
-- The text is a catalogue key with parameters, rendered in the recipient's language when sent.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    dedup_key   TEXT UNIQUE,
    text_key    TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed', 'blocked')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT NOT NULL,
    last_error  TEXT,
    message_id  INTEGER,
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_chat ON outbox (chat_id);
