-- Devflow state, version 6: who ticked a checklist item, so that a person's tick is kept for good and
-- Devflow's own (a check it verified, or the pull request's description) keeps following its source.
-- depends: 0005.service-notices-telemetry

ALTER TABLE devflow.checklist_progress
    ADD COLUMN ticked_by text NOT NULL DEFAULT ''
    CHECK (ticked_by IN ('', 'person', 'auto', 'body'));  -- '' : not ticked, or recorded without saying who
