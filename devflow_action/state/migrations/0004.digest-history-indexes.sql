-- Devflow state, version 4: what the digest reads from the state (docs/digest.md, "With a state
-- store"): item times by when their first response or merge fell, and the first recorded event of
-- each kind per repository (since when the store has been recording it).
-- depends: 0003.service-deliveries-dead-letters

CREATE INDEX IF NOT EXISTS item_times_by_first_response ON devflow.item_times (repository, first_response_at)
    WHERE first_response_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS item_times_by_merge ON devflow.item_times (repository, merged_at)
    WHERE merged_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_kind ON devflow.events (repository, kind, recorded_at);
