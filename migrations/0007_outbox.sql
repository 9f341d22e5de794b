-- The outbox carries every message Makker starts: a catalogue text, a copy of a person's message, or a
-- document/photo, each with an optional inline keyboard. Rebuilt with kinds, priorities, expiry, groups and
-- states that tell the truth after a crash (bot/outbox.py describes the states and what happens to each).

CREATE TABLE outbox_new (
    id                INTEGER PRIMARY KEY,
    chat_id           INTEGER NOT NULL,
    kind              TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'copy', 'document', 'photo')),
    text_key          TEXT,                     -- text: the catalogue key; document/photo: the caption's key
    params            TEXT NOT NULL DEFAULT '{}',
    keyboard          TEXT,                     -- inline keyboard as Bot API JSON, or NULL
    from_chat_id      INTEGER,                  -- copy: the chat the copied message is in
    source_message_id INTEGER,                  -- copy: that message's id
    file_id           TEXT,                     -- document/photo: a Telegram file id
    priority          INTEGER NOT NULL DEFAULT 0 CHECK (priority IN (0, 1, 2)),  -- 0 conversation, 1 check-in, 2 broadcast
    on_unknown        TEXT NOT NULL DEFAULT 'resend' CHECK (on_unknown IN ('resend', 'report')),
    dedup_key         TEXT UNIQUE,
    group_id          TEXT,                     -- rows sent together, such as one broadcast
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'expired', 'blocked', 'unknown')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    not_before        TEXT NOT NULL,            -- not sent earlier (quiet hours)
    not_after         TEXT,                     -- dropped as 'expired' when not sent by then
    retry_at          TEXT,                     -- after a retryable error: the chat's queue waits until then
    last_error        TEXT,
    message_id        INTEGER,                  -- Telegram's id of the sent message
    created_at        TEXT NOT NULL,
    sent_at           TEXT,
    finished_at       TEXT                      -- when the row left pending/sending for good; pruned later
);

INSERT INTO outbox_new (id, chat_id, kind, text_key, params, dedup_key, status, attempts, not_before, last_error,
                        message_id, created_at, sent_at, finished_at)
SELECT id, chat_id, 'text', text_key, params, dedup_key, status, attempts, not_before, last_error, message_id,
       created_at, sent_at, CASE WHEN status = 'pending' THEN NULL ELSE COALESCE(sent_at, created_at) END
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;

-- Each chat's queue in order, over the rows still to send.
CREATE INDEX outbox_queue ON outbox (chat_id, priority, id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_chat ON outbox (chat_id);
CREATE INDEX outbox_group ON outbox (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX outbox_finished ON outbox (finished_at) WHERE finished_at IS NOT NULL;

-- The language of the person's Telegram client as last seen, so the outbox writes in it when they never chose.
ALTER TABLE users ADD COLUMN client_language TEXT;
