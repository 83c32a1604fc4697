-- Devflow state, version 1: every processed event, its rule results and operations, and the
-- idempotency ledger. Everything lives in the `devflow` schema (docs/state.md has example queries).
CREATE SCHEMA IF NOT EXISTS devflow;

CREATE TABLE devflow.events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_key text NOT NULL,                -- delivery:<X-GitHub-Delivery> or run:<GITHUB_RUN_ID>
    attempt integer NOT NULL DEFAULT 1,     -- GITHUB_RUN_ATTEMPT: a re-run is its own record
    repository text NOT NULL,               -- owner/name
    kind text NOT NULL,                     -- issues.opened, pull_request.synchronize, ...
    item text,                              -- issue | pull_request
    number integer,
    actor text NOT NULL DEFAULT '',         -- the payload's sender
    occurred_at timestamptz,                -- when the item last changed, per the payload
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_key, attempt)
);
CREATE INDEX events_by_repository ON devflow.events (repository, recorded_at);

CREATE TABLE devflow.rule_results (
    event_id bigint NOT NULL REFERENCES devflow.events (id) ON DELETE CASCADE,
    seq integer NOT NULL,                   -- the rule's place in the plan
    rule text NOT NULL,
    matched boolean NOT NULL,
    evaluated boolean NOT NULL,             -- false: a fact it needs was not available
    matched_conditions text[] NOT NULL DEFAULT '{}',
    missing_conditions text[] NOT NULL DEFAULT '{}',
    reason text,
    PRIMARY KEY (event_id, seq)
);

CREATE TABLE devflow.operations (
    event_id bigint NOT NULL REFERENCES devflow.events (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    type text NOT NULL,                     -- add_labels, comment, update_issue, ...
    operation jsonb NOT NULL,               -- the plan's JSON form of the operation
    status text NOT NULL,                   -- applied, skipped, failed, left, dry-run
    detail text NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, seq)
);

-- Claimed before a write, marked done after it (devflow_action/ledger.py has the semantics).
CREATE TABLE devflow.ledger (
    event_key text NOT NULL,
    op_key text NOT NULL,                   -- add_labels:<label>, remove_labels:<label>, comment:<hash>, ...
    repository text NOT NULL,
    number integer,
    attempt integer NOT NULL,
    owner text NOT NULL,                    -- the run (process) holding the claim
    status text NOT NULL CHECK (status IN ('claimed', 'done')),
    outcome text,                           -- applied | skipped (already so on GitHub)
    claimed_at timestamptz NOT NULL DEFAULT now(),
    done_at timestamptz,
    PRIMARY KEY (event_key, op_key)
);
