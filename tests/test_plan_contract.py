"""The plan's JSON contract in docs/rules.md shows every operation type, and each example parses."""

from __future__ import annotations

import json
import re
from pathlib import Path

from devflow_action import plan as p

RULES = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_the_documented_plan_json_has_every_operation_and_round_trips() -> None:
    text = RULES.read_text(encoding="utf-8")
    block = re.search(r"## The plan's JSON.*?```json\n(.*?)```", text, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    plan = p.Plan.from_json(data)
    assert {op.type for op in plan.operations} == set(p.OPERATION_TYPES)
    assert p.Plan.from_json(plan.as_json()) == plan
