-- An update given up at a stop while its reply was on the way, or after a reply had gone out: the person may
-- have seen an answer to it. The next start answers it with care (handlers/replay.py) instead of as if new.
ALTER TABLE inbox ADD COLUMN reply_in_doubt INTEGER NOT NULL DEFAULT 0 CHECK (reply_in_doubt IN (0, 1));
