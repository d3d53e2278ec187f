-- Per-owner limits on what costs money at a provider (AI texts, voice previews): one fixed
-- window per owner and action, counted in the database so every replica sees the same count.
CREATE TABLE rate_limits (
  user_id      text NOT NULL,
  action       text NOT NULL,
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL,
  PRIMARY KEY (user_id, action)
);
