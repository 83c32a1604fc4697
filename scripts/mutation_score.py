"""The mutation score of the last `mutmut run`, per file and in total, and every surviving mutant.

python scripts/mutation_score.py [--min 90]     (exit 1 when fewer than --min percent are killed)

Killed counts mutants a test failed on, or that timed out. Mutants no selected test runs ("no
tests") count as survivors: code no test exercises is code the tests do not check.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

KILLED = {"killed", "timeout"}


def results() -> list[tuple[str, str]]:
    mutmut = shutil.which("mutmut") or str(Path(sys.executable).with_name("mutmut"))  # the venv's, if not on PATH
    out = subprocess.run([mutmut, "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    pairs = []
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep:
            pairs.append((name, status))
    return pairs


def module_of(mutant: str) -> str:
    """devflow_action.github.client.xǁGhClientǁget_issue__mutmut_3 -> devflow_action/github/client.py"""
    return mutant.split(".x", 1)[0].replace(".", "/") + ".py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=float, default=90.0, help="lowest acceptable percentage killed")
    args = parser.parse_args(argv)
    found = results()
    if not found or any(status == "not checked" for _, status in found):
        print("no complete mutmut run: run scripts/mutation first", file=sys.stderr)
        return 1
    by_file: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in found:
        by_file[module_of(name)][status] += 1
        if status not in KILLED:
            print(f"{status}: {name}")
    total, killed = len(found), sum(1 for _, s in found if s in KILLED)
    print(f"\n{'file':<40} {'mutants':>8} {'killed':>8} {'score':>7}")
    for path, counts in sorted(by_file.items()):
        n, k = sum(counts.values()), sum(counts[s] for s in KILLED)
        print(f"{path:<40} {n:>8} {k:>8} {100 * k / n:>6.1f}%")
    score = 100 * killed / total
    print(f"{'total':<40} {total:>8} {killed:>8} {score:>6.1f}%")
    if score < args.min:
        print(f"mutation score {score:.1f}% is below {args.min:g}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
