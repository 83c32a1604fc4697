"""``python -P -m devflow_action``: the action's entry point (``-P`` keeps the workspace off sys.path)."""

import sys

from .action import main

if __name__ == "__main__":
    sys.exit(main())
