"""The example digest in docs/digest.md, made by the real code: the week of tests/digest_fixture.py seeded
into the GitHub test server, read through GraphQL, computed and rendered.

    .venv/bin/python scripts/digest_example.py           # print it
    .venv/bin/python scripts/digest_example.py --write   # replace the example in docs/digest.md

tests/test_digest_docs.py fails when the doc's copy differs from what this prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOC = ROOT / "docs" / "digest.md"
START, END = "<!-- example: start (scripts/digest_example.py) -->", "<!-- example: end -->"


def example() -> str:
    from devflow_action.config.loader import load_text
    from devflow_action.digest_command import make
    from devflow_action.github.budget import CallBudget
    from tests.digest_fixture import CONFIG, NOW, seed
    from tests.ghserver import GitHubTestServer
    from tests.integration_helpers import FAST

    with GitHubTestServer() as server:
        seed(server)
        env = {"GITHUB_API_URL": server.url, "GITHUB_GRAPHQL_URL": f"{server.url}/graphql"}
        result = make(load_text(CONFIG), "octo-org/octo-repo", server.token, env, CallBudget(50), dry_run=True,
                      policy=FAST, clock=lambda: NOW)  # fmt: skip
        assert not server.violations, server.violations
    return result.markdown


def replace(doc: str, text: str) -> str:
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n\n{text}\n{END}{tail}"


def main() -> None:
    text = example()
    if "--write" in sys.argv[1:]:
        DOC.write_text(replace(DOC.read_text(encoding="utf-8"), text), encoding="utf-8")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
