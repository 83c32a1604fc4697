-- Devflow state, version 2: onboarding checklist progress, item timestamps for metrics, sweep
-- cursors, and a facts cache.
-- depends: 0001.events-and-ledger

CREATE TABLE devflow.checklist_progress (
    repository text NOT NULL,
    number integer NOT NULL,                -- the pull request
    contributor text NOT NULL,
    item text NOT NULL,                     -- the checklist item's id in .devflow.yml
    done boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository, number, contributor, item)
);

CREATE TABLE devflow.item_times (
    repository text NOT NULL,
    number integer NOT NULL,
    opened_at timestamptz,
    first_response_at timestamptz,          -- the earliest comment or review by someone else
    first_responder text,
    closed_at timestamptz,
    merged_at timestamptz,
    PRIMARY KEY (repository, number)
);

CREATE TABLE devflow.sweep_cursors (
    repository text NOT NULL,
    sweep text NOT NULL,                    -- stale, triage, digest
    cursor text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository, sweep)
);

CREATE TABLE devflow.facts_cache (
    repository text NOT NULL,
    number integer NOT NULL,
    name text NOT NULL,
    value jsonb NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (repository, number, name)
);
