-- When a number was last taken from an agent. Free numbers are handed out longest-free first,
-- so a released number rests while others are free: callers who still dial it for the old
-- business do not reach a new one at once, and an agent whose number an admin released does not
-- get the same number straight back.
ALTER TABLE phone_numbers ADD COLUMN released_at timestamptz;
