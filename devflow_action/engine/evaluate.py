"""The rule engine: ``evaluate(event, config, facts) -> Plan``. Pure: no client, no clock, no I/O.

Rules are evaluated in order; their operations are merged into one plan: all labels to add become
one operation, duplicates are removed, and a label both added and removed is resolved by rule order
(the later rule wins) with a note. The plan never removes a label no rule asked to remove; a rule
with ``sync: true`` removes labels it would add only when Devflow itself added them (``devflow_labels``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import plan as p
from ..config.model import Config, Rule, SizeConfig
from ..events.model import Event, Facts
from ..language.tree import Explanation, leaves
from ..language.tree import evaluate as evaluate_tree
from . import checklist

# Pull request actions after which the size label is (re)computed.
SIZE_ACTIONS = frozenset({"opened", "synchronize", "reopened", "edited", "ready_for_review"})


def _sizes(config: Config, event: Event) -> bool:
    return config.size is not None and event.name == "pull_request" and event.action in SIZE_ACTIONS


def has_work(config: Config, event: Event) -> bool:
    """Whether the event can lead to any operation: when not, nothing needs to be read or written."""
    if event.skipped or event.number is None:
        return False
    return (
        _sizes(config, event)
        or any(rule.triggered_by(event) for rule in config.rules)
        or checklist.applies(config.onboarding, event)
    )


def required_facts(config: Config, event: Event) -> frozenset[str]:
    """The facts beyond the payload that the rules triggered by this event need."""
    if event.skipped:
        return frozenset()
    needed: set[str] = set()
    for rule in config.rules:
        if not rule.triggered_by(event):
            continue
        if rule.condition is not None:
            for leaf in leaves(rule.condition):
                needed |= leaf.facts
        if rule.sync:
            needed.add("devflow_labels")
    if config.size is not None and _sizes(config, event) and (config.size.ignore or event.additions is None):
        needed.add("files")
    if config.onboarding is not None and checklist.applies(config.onboarding, event):
        needed |= checklist.required_facts(config.onboarding)
    if "first_contribution" in needed and event.author is not None and event.author.first_contribution is not None:
        needed.discard("first_contribution")  # the payload's author_association already answers it
    if event.kind != "pull_request":
        needed -= {"files", "approvals", "checks"}
    return frozenset(needed)


@dataclass
class _Merge:
    """Operations from all rules, merged in rule order."""

    current: set[str]
    add: dict[str, str] = field(default_factory=dict)  # label -> rule that added it
    remove: dict[str, str] = field(default_factory=dict)
    others: list[p.Operation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_label(self, label: str, rule: str) -> None:
        if label in self.remove:
            self.notes.append(f"label '{label}': removed by '{self.remove.pop(label)}', added by later rule '{rule}'")
        self.add.setdefault(label, rule)

    def remove_label(self, label: str, rule: str) -> None:
        if label in self.add:
            self.notes.append(f"label '{label}': added by '{self.add.pop(label)}', removed by later rule '{rule}'")
            if label not in self.current:
                return
        if label in self.current:
            self.remove.setdefault(label, rule)

    def operations(self) -> tuple[p.Operation, ...]:
        ops: list[p.Operation] = []
        to_add = tuple(label for label in self.add if label not in self.current)
        if to_add:
            ops.append(p.AddLabels(to_add))
        if self.remove:
            ops.append(p.RemoveLabels(tuple(self.remove)))
        seen: set[p.Operation] = set()
        for op in self.others:
            if op not in seen:
                seen.add(op)
                ops.append(op)
        return tuple(ops)


def evaluate(event: Event, config: Config, facts: Facts | None = None) -> p.Plan:
    facts = facts or Facts()
    plan = p.Plan(event=event.key, repository=event.repository, number=event.number)
    if event.skipped:
        return p.Plan(plan.event, plan.repository, plan.number, skipped=event.skipped)
    merge = _Merge(current=set(facts.current_labels(event)))
    results = []
    for rule in config.rules:
        if not rule.triggered_by(event):
            continue
        result = _evaluate_rule(rule, event, facts)
        results.append(result)
        if result.matched:
            _apply(rule, event, merge)
        elif result.evaluated and rule.sync:
            owned = facts.devflow_labels or frozenset()
            for label in rule.labels:
                if label in owned:
                    merge.remove_label(label, rule.name)
    if config.size is not None and _sizes(config, event):
        _size(config.size, event, facts, merge)
    if config.onboarding is not None and checklist.applies(config.onboarding, event):
        result, op = checklist.evaluate(event, config.onboarding, facts)
        results.append(result)
        if op is not None:
            merge.others.append(op)
    return p.Plan(plan.event, plan.repository, plan.number, merge.operations(), tuple(results), tuple(merge.notes))


def _evaluate_rule(rule: Rule, event: Event, facts: Facts) -> p.RuleResult:
    if rule.condition is None:
        return p.RuleResult(rule.name, True, matched_conditions=("always",))
    why = Explanation([], [], set())
    value = evaluate_tree(rule.condition, event, facts, why)
    if value is None:
        missing = ", ".join(sorted(why.unknown))
        return p.RuleResult(
            rule.name, False, False, tuple(why.matched), tuple(why.missing), f"needs facts not available: {missing}"
        )
    return p.RuleResult(rule.name, value, True, tuple(why.matched), tuple(why.missing))


def _apply(rule: Rule, event: Event, merge: _Merge) -> None:
    for action in rule.actions:
        if action.pr_only and event.kind != "pull_request":
            merge.notes.append(f"rule '{rule.name}': {action.name} applies to pull requests only; skipped")
            continue
        op = action.build(event)
        if isinstance(op, p.AddLabels):
            for label in op.labels:
                merge.add_label(label, rule.name)
        elif isinstance(op, p.RemoveLabels):
            for label in op.labels:
                merge.remove_label(label, rule.name)
        elif (isinstance(op, p.Close) and event.state == "closed") or (
            isinstance(op, p.Reopen) and event.state == "open"
        ):
            continue  # already so
        else:
            merge.others.append(op)


def _size(size: SizeConfig, event: Event, facts: Facts, merge: _Merge) -> None:
    if size.ignore is not None or event.additions is None:
        if facts.files is None:
            merge.notes.append("size: needs the files fact (changed lines per file); not evaluated")
            return
        ignore = size.ignore
        lines = sum(f.additions + f.deletions for f in facts.files if ignore is None or not ignore.match(f.filename))
    else:
        lines = (event.additions or 0) + (event.deletions or 0)
    label = size.label_for(lines)
    merge.add_label(label, "size")
    for other in size.labels:
        if other != label and other in merge.current:
            merge.remove_label(other, "size")
