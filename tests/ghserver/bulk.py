"""Seeding hundreds or thousands of issues at once, fast (explicit numbers: no scan per issue)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .state import Issue, State


def add_issues(state: State, count: int, make: Callable[[int], dict[str, Any]] | None = None) -> list[Issue]:
    """``count`` issues numbered after the existing ones; ``make(i)`` gives the fields of the i-th
    (``title``, ``user``, ``labels``, ``created_at``, ``updated_at``, ``is_pull``, ...)."""
    first = state.next_number()
    out = []
    for i in range(count):
        fields = {"number": first + i, **(make(i) if make else {})}
        title = fields.pop("title", f"Issue {first + i}")
        user = fields.pop("user", "octocat")
        add = state.add_pull if fields.pop("is_pull", False) else state.add_issue
        out.append(add(title, user, **fields))
    return out
