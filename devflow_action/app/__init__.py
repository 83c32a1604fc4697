"""Use cases shared by every entry point (the action, the CLI, later sweeps and the service's workers).

Each takes one ``RunContext`` (port, budget, clock, run key, dry-run, state store) and returns a
result the entry point renders; none prints, reads the environment or decides an exit code.
"""
