-- Devflow state, version 5: the orchestration service's dead-letter notices (sent once per dead
-- letter: the row is the guard) and its opt-in telemetry (a random deployment id, and when the last
-- report was claimed, so that any number of workers send at most one per interval).
-- depends: 0004.digest-history-indexes

-- pending: not sent yet; sending: claimed by a worker (a claim older than the lease is taken over);
-- sent: at least one sink took it; failed: every sink failed (logged, counted, not retried);
-- none: no sink was configured (or the dead letter predates notices).
ALTER TABLE devflow.dead_letters
    ADD COLUMN notice text NOT NULL DEFAULT 'pending'
        CHECK (notice IN ('pending', 'sending', 'sent', 'failed', 'none')),
    ADD COLUMN notice_at timestamptz;
UPDATE devflow.dead_letters SET notice = 'none';

CREATE TABLE devflow.deployment (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),  -- one row
    id uuid NOT NULL,                       -- random (uuid4), made once; derived from nothing
    telemetry_sent_at timestamptz           -- when the last telemetry report was claimed
);
