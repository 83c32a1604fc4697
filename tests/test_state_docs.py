"""docs/state.md's example queries run, and answer what they say, on a real database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from devflow_action.plan import RuleResult
from devflow_action.state import open_store
from devflow_action.state.model import EventRecord, ItemTimes, OperationRecord, RunRecord

from .state_fixtures import pg_url

DOC = Path(__file__).resolve().parents[1] / "docs" / "state.md"


def queries() -> list[str]:
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return [q.strip() for block in blocks for q in block.split(";") if q.strip().upper().startswith("SELECT")]


def test_every_example_query_runs_and_answers(pg_migrated: str) -> None:
    import psycopg

    store = open_store(pg_url(pg_migrated))
    assert store is not None
    t0 = datetime.now(UTC) - timedelta(days=3)
    for i, (kind, number, actor) in enumerate([("issues.opened", 1, "alice"), ("issue_comment.created", 1, "bob")]):
        store.record_run(RunRecord(
            EventRecord(f"run:{i}", "octo/repo", kind, t0 + timedelta(hours=i), 1, "issue", number, actor, t0),
            (RuleResult("bugs", i == 0),),
            (OperationRecord({"type": "add_labels", "labels": ["bug"]}, "applied" if i == 0 else "failed", "403"),),
        ))  # fmt: skip
    store.note_times(
        "octo/repo", 1, ItemTimes(opened_at=t0, first_response_at=t0 + timedelta(hours=5), first_responder="bob")
    )
    store.set_checklist_item("octo/repo", 4, "alice", "tests", True)
    store.set_checklist_item("octo/repo", 4, "alice", "contributing", False)
    store.set_checklist("octo/repo", 4, "alice", {"lint": "person"})
    store.set_cursor(
        "octo/repo", "stale", '{"fingerprint": "f", "position": "2026-11-01T04:17:00Z", "since": "", "v": 1}'
    )
    store.set_cursor("octo/repo", "triage", "")  # its last pass was complete
    store.close()
    found = queries()
    assert len(found) == 8
    with psycopg.connect(pg_url(pg_migrated)) as conn:
        answers = [conn.execute(q).fetchall() for q in found]
    per_week, first_response, monthly, checklist, by_hand, cursors, rules, refused = answers
    assert sorted(row[1] for row in per_week) == ["issue_comment.created", "issues.opened"]
    assert first_response == [(1, "bob", timedelta(hours=5))]
    assert monthly[0][1:] == (timedelta(hours=5), 0)
    assert checklist == [(4, 2, 3, ["contributing"])]
    assert [row[:3] for row in by_hand] == [(4, "alice", "lint")]
    assert [row[:2] for row in cursors] == [("stale", "2026-11-01T04:17:00Z")]
    assert rules == [("bugs", 1, 2)]
    assert [(row[1], row[2], row[3]) for row in refused] == [(1, "add_labels", "403")]
