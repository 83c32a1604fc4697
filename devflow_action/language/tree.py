"""Condition trees (``all`` / ``any`` / ``not`` over leaves) and their three-valued evaluation.

A leaf answers True, False or None (a fact it needs is missing). ``all`` is False if any child is
False, else None if any is None; ``any`` is True if any child is True, else None if any is None.
Evaluation also collects, for the explanation, the leaves that held and those that did not.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..events.model import Event, Facts
from .conditions import Leaf


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = AllOf | AnyOf | Not | Leaf


def leaves(node: Node) -> list[Leaf]:
    if isinstance(node, Leaf):
        return [node]
    if isinstance(node, Not):
        return leaves(node.child)
    return [leaf for child in node.children for leaf in leaves(child)]


@dataclass
class Explanation:
    matched: list[str]
    missing: list[str]
    unknown: set[str]  # facts that were needed and missing


def evaluate(node: Node, event: Event, facts: Facts, why: Explanation, negated: bool = False) -> bool | None:
    if isinstance(node, Leaf):
        value = node.test(event, facts)
        if value is None:
            why.unknown.update(node.facts)
            return None
        holds = value != negated
        text = node.explain(event, facts) if node.explain else node.description
        (why.matched if holds else why.missing).append(("not " if negated else "") + text)
        return value
    if isinstance(node, Not):
        inner = evaluate(node.child, event, facts, why, not negated)
        return None if inner is None else not inner
    results = [evaluate(child, event, facts, why, negated) for child in node.children]
    if isinstance(node, AllOf):
        if False in results:
            return False
        return None if None in results else True
    if True in results:
        return True
    return None if None in results else False
