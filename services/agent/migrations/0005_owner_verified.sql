-- Whether the owner confirmed their e-mail address, from user.registered and user.updated
-- (email_verified): an unverified owner cannot put an agent live. NULL means not told yet and
-- counts as unverified. The owners known before verification existed signed up when there was
-- nothing to confirm; they keep putting their agents live.
ALTER TABLE owners
  ADD COLUMN email_verified    boolean,
  ADD COLUMN verified_event_at timestamptz;
UPDATE owners SET email_verified = true;
