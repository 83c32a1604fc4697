"""The pure engine: ``evaluate(event, config, facts) -> Plan`` and what it needs to know beforehand."""

from .evaluate import SIZE_ACTIONS, evaluate, has_work, required_facts

__all__ = ["SIZE_ACTIONS", "evaluate", "has_work", "required_facts"]
