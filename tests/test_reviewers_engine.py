"""The pure choice of reviewers (engine/reviewers.py), function by function: who is a candidate and
why the others are not, how many places are left, who goes first, and the load read from open pull
requests (GitHub's example payloads)."""

from __future__ import annotations

from typing import Any

from devflow_action import plan as p
from devflow_action.config.loader import load_text
from devflow_action.config.review import ReviewersConfig
from devflow_action.engine.reviewers import Candidates, candidates, choose, needs_load, open_requests
from devflow_action.language.codeowners import parse_codeowners

from .githubdata import load_payload

# Owners of every kind: a team, a person spelt in another case than the author's login, an e-mail, a
# bot, a line GitHub rejects; the config adds people, an away person, another organisation's team.
CODEOWNERS = parse_codeowners(
    "*  @Codertocat/core\n*.md  @Docs-Writer docs@example.com @codertocat\n/build/  @release-bot[bot] @ops-lead\n"
    "src/ alice\n"
)
FILES = ["README.md", "src/app.py", "src/lib.py", "build/x.yml", "setup.py"]


def config(count: int = 3) -> ReviewersConfig:
    loaded = load_text(
        f"version: 1\nreviewers:\n  count: {count}\n  away: ['@Dave']\n  paths:\n"
        "    'src/**': ['@carol', 'dave', '@other-org/team', '@ops-lead']\n    'src/app.py': ['carol']\n"
    ).reviewers
    assert loaded is not None
    return loaded


def test_candidates_are_weighed_by_files_owned_and_every_skipped_owner_says_why() -> None:
    found = candidates(config(), FILES, CODEOWNERS, "CODERTOCAT", "codertocat", ["OPS-lead"])
    # carol owns src/app.py through two entries: one file, counted once
    assert found.weights == {"Docs-Writer": 1, "@Codertocat/core": 3, "carol": 2}
    assert found.notes == (
        "CODEOWNERS:4: invalid owner 'alice' (write @login, @org/team or an e-mail); skipped",
        "docs@example.com not asked: an e-mail address cannot be asked for a review through the API",
        "codertocat not asked: the author",
        "dave not asked: away",
        "@other-org/team not asked: a team of another organisation than codertocat",
        "release-bot[bot] not asked: a bot",
    )
    assert found.needed == 2  # ops-lead is asked already (GitHub's logins ignore case)


def test_without_codeowners_only_the_configured_paths_count() -> None:
    found = candidates(config(), FILES, None, "octocat", "Codertocat", [])
    assert found == Candidates(
        {"carol": 2, "ops-lead": 2},
        ("dave not asked: away", "@other-org/team not asked: a team of another organisation than Codertocat"),
        3,
    )


def test_places_left_never_go_below_zero() -> None:
    found = candidates(config(count=1), FILES, CODEOWNERS, "Codertocat", "Codertocat", ["a", "b"])
    assert found.needed == 0 and not needs_load(found)
    assert choose(found, {}) == (
        None,
        p.RuleResult("reviewers", False, missing_conditions=("enough reviewers are asked already",)),
    )


def test_load_is_read_only_when_more_candidates_than_places() -> None:
    assert needs_load(Candidates({"a": 1, "b": 1}, (), 1))
    assert not needs_load(Candidates({"a": 1, "b": 1}, (), 2))  # everyone is asked anyway
    assert not needs_load(Candidates({"a": 1}, (), 1))
    assert not needs_load(Candidates({}, (), 0))


def test_the_least_loaded_go_first_then_those_owning_more_then_by_name() -> None:
    found = Candidates({"Docs-Writer": 1, "@Codertocat/core": 3, "carol": 2, "bob": 2}, (), 2)
    op, why = choose(found, {"carol": 3, "@Codertocat/core": 1})
    assert op == p.RequestReview(("bob", "Docs-Writer"), ())  # no open request: first, the most files first
    assert why.matched_conditions == ("bob owns 2 changed file(s)", "Docs-Writer owns 1 changed file(s)")
    op, why = choose(Candidates(found.weights, (), 3), {"Docs-Writer": 1, "bob": 1})
    assert op == p.RequestReview(("carol", "bob"), ("core",))  # without load: the owners of most files first
    assert why == p.RuleResult(
        "reviewers",
        True,
        matched_conditions=(
            "@Codertocat/core owns 3 changed file(s)",
            "carol owns 2 changed file(s)",
            "bob owns 2 changed file(s), 1 open review request(s)",
        ),
    )
    tied = Candidates({"Zed": 1, "amy": 1, "Bea": 1}, (), 2)
    assert choose(tied, {})[0] == p.RequestReview(("amy", "Bea"), ())  # by name, ignoring case


def test_no_owner_to_ask_is_said() -> None:
    assert choose(Candidates({}, (), 2), {}) == (
        None,
        p.RuleResult("reviewers", False, missing_conditions=("no owner of the changed files to ask",)),
    )


def test_open_requests_count_people_and_teams_on_other_pull_requests() -> None:
    one: Any = load_payload("pull_request.review_requested")["pull_request"]  # asks octocat
    other = load_payload("pull_request.opened[1]")["pull_request"]  # asks octocat too
    other["number"] = 3
    # a team asked: GitHub's team object, from a team event's payload (no pull request example has one)
    other["requested_teams"] = [load_payload("team.created")["team"]]
    one["requested_teams"] = [load_payload("team.created")["team"]]
    third = load_payload("pull_request.opened")["pull_request"]  # asks nobody
    third["number"] = 4
    assert open_requests([one, other, third], "Codertocat", 5) == {"octocat": 2, "@Codertocat/github": 2}
    assert open_requests([one, other, third], "Codertocat", 2) == {"octocat": 1, "@Codertocat/github": 1}
    assert open_requests([one], "Codertocat", 2) == {}
    assert open_requests([one], "Codertocat", 9) == {"octocat": 1, "@Codertocat/github": 1}


def test_open_requests_are_matched_to_owners_ignoring_case() -> None:
    # CODEOWNERS says @codertocat/core and Carol; the API says Codertocat (the organisation) and carol
    found = Candidates({"@codertocat/core": 2, "Carol": 2, "bob": 1}, (), 2)
    op, why = choose(found, {"@Codertocat/core": 4, "carol": 1})
    assert op == p.RequestReview(("bob", "Carol"), ())
    assert why.matched_conditions == (
        "bob owns 1 changed file(s)",
        "Carol owns 2 changed file(s), 1 open review request(s)",
    )


def test_owners_keep_their_names_whatever_letter_they_start_with() -> None:
    # `@` is stripped, and only `@`: names starting with X (or any letter) are kept whole
    owners = parse_codeowners("*  @Xena @Xorg/Xteam\n")
    found = candidates(config(count=5), ["setup.py"], owners, "octocat", "Xorg", [])
    assert found.weights == {"Xena": 1, "@Xorg/Xteam": 1}
    assert choose(found, {})[0] == p.RequestReview(("Xena",), ("Xteam",))


def test_no_place_left_needs_no_load_even_with_candidates() -> None:
    assert not needs_load(Candidates({"a": 1}, (), 0))
