-- The durable inbox: every update Telegram delivers is written here before Telegram is told it arrived
-- (polling: before the next getUpdates offset; webhook: before the 200), and is handled from here.
-- A handled row keeps only its id (no content) for two days: it is the record that a redelivered
-- update has had its effect already. processed_updates did that job before and is replaced.
DROP TABLE processed_updates;

CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'applied', 'handled', 'set_aside')),
    body        TEXT,           -- the raw update as JSON while it waits; NULL once handled or set aside
    error       TEXT,           -- set aside: why it could not be read (an exception's type and message)
    received_at TEXT NOT NULL,
    handled_at  TEXT
);
-- 'pending': not handled yet. 'applied': a write made while handling it committed (in the same
-- transaction as this state), so a replay must not apply it again. 'handled': done.
CREATE INDEX inbox_unhandled ON inbox (state) WHERE state IN ('pending', 'applied');
CREATE INDEX inbox_received_at ON inbox (received_at);
