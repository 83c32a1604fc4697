"""The rule language: conditions, actions, patterns, templates and condition trees (below config)."""
