-- The contact exchange: what each side chose to give the other (an @username or a tg://user link), kept only
-- while the question is open and, once both agreed, as the record of what was exchanged. NULL until chosen.
-- A side's agreement is still person_shares_contact / peer_shares_contact (migrations/0006).
ALTER TABLE matches ADD COLUMN person_contact TEXT;
ALTER TABLE matches ADD COLUMN peer_contact TEXT;
