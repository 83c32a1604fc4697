-- Devflow state, version 3: the orchestration service (docs/service.md). Each webhook delivery's
-- latest status, and the dead letters an admin retries or discards.
-- depends: 0002.onboarding-metrics-sweeps

CREATE TABLE devflow.deliveries (
    delivery text PRIMARY KEY,              -- X-GitHub-Delivery (or the action's forwarded id)
    event text NOT NULL,                    -- issues.opened, push, ...
    repository text NOT NULL DEFAULT '',
    number integer,
    received_at timestamptz NOT NULL,       -- when `devflow serve` acknowledged it
    status text NOT NULL CHECK (status IN ('done', 'ignored', 'retrying', 'dead')),
    attempts integer NOT NULL DEFAULT 1,
    outcome text NOT NULL DEFAULT '',       -- what was done, or the error
    finished_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_recent ON devflow.deliveries (finished_at DESC);

CREATE TABLE devflow.dead_letters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery text NOT NULL,
    event text NOT NULL,
    repository text NOT NULL DEFAULT '',
    number integer,
    error text NOT NULL,
    attempts integer NOT NULL,
    message jsonb NOT NULL,                 -- the queue message's arguments: what a retry enqueues again
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'retried', 'discarded')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- one open dead letter per delivery: a delivery that fails again after a retry updates it
CREATE UNIQUE INDEX dead_letters_open ON devflow.dead_letters (delivery) WHERE status = 'open';
CREATE INDEX dead_letters_by_status ON devflow.dead_letters (status, created_at DESC);
