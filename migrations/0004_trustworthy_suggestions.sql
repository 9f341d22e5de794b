-- Suggestions a person can trust: what the catalogue knows about each initiative's period and status, notes for
-- coordinators only, and "relative" as a qualifier of a situation instead of a target group of its own.

ALTER TABLE initiatives ADD COLUMN relatives_of TEXT NOT NULL DEFAULT '[]';  -- JSON array of target group codes
ALTER TABLE initiatives ADD COLUMN start_year INTEGER;
ALTER TABLE initiatives ADD COLUMN end_year INTEGER;
ALTER TABLE initiatives ADD COLUMN status TEXT NOT NULL DEFAULT 'unknown'
    CHECK (status IN ('running', 'unknown', 'ended'));
ALTER TABLE initiatives ADD COLUMN last_checked TEXT;  -- ISO date; NULL only for an unknown status never checked
ALTER TABLE initiatives ADD COLUMN notes TEXT NOT NULL DEFAULT '';  -- for coordinators, never shown to a person

-- An initiative imported with the old "relatives" group served the relatives of its other groups' situations
-- (Ligestillet støtte: mental health; Sjældne-navigatorer: rare diagnoses).
UPDATE initiatives
SET relatives_of = (SELECT json_group_array(value) FROM json_each(initiatives.target_groups) WHERE value != 'relatives'),
    target_groups = (SELECT json_group_array(value) FROM json_each(initiatives.target_groups) WHERE value != 'relatives')
WHERE EXISTS (SELECT 1 FROM json_each(initiatives.target_groups) WHERE value = 'relatives');

-- Peers: the situations they know as a relative (pårørende), beside their own lived experience (target_groups).
ALTER TABLE peers ADD COLUMN relative_of TEXT NOT NULL DEFAULT '[]';

-- A peer saved with the old "relatives" group: their experience as a relative is of their other groups' situations.
UPDATE peers
SET relative_of = (SELECT json_group_array(value) FROM json_each(peers.target_groups) WHERE value != 'relatives'),
    target_groups = (SELECT json_group_array(value) FROM json_each(peers.target_groups) WHERE value != 'relatives')
WHERE EXISTS (SELECT 1 FROM json_each(peers.target_groups) WHERE value = 'relatives');

-- The search index: a peer's experience as a relative of a situation is the place 'relative:<group>'.
DELETE FROM peer_reach WHERE target_group = 'relatives';
INSERT OR IGNORE INTO peer_reach (target_group, place, language, load, peer_id)
SELECT 'relative:' || groups.value, reach.place, reach.language, reach.load, reach.peer_id
FROM peer_reach AS reach
JOIN peers ON peers.id = reach.peer_id
JOIN json_each(peers.relative_of) AS groups ON groups.value = reach.target_group;
