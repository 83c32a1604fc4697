"""What can go wrong talking to GitHub, in Devflow's terms. Nothing above the adapter sees httpx2.

Two families decide the exit code (see ``devflow_action.exits``):

- ``Stopped``: work is left and a re-run can do it (rate limits, the run's call budget or deadline,
  GitHub unavailable or answering garbage after the retries). Exit 2.
- ``Refused``: GitHub said no and would say no again (bad credentials, a missing permission, a
  validation error). Exit 1, with the permission to grant when we can tell.

Messages carry GitHub's ``message`` field, cut and made safe for one log line, never a raw body.
"""

from __future__ import annotations


class GitHubError(Exception):
    pass


class Stopped(GitHubError):
    """The run must stop here; what is not done is work left for a re-run."""


class RateLimited(Stopped):
    """GitHub's rate limit (primary or secondary) is exhausted and its reset is too far to wait for."""

    def __init__(self, reset_in: float, secondary: bool = False) -> None:
        self.reset_in = reset_in
        self.secondary = secondary
        kind = "secondary rate limit" if secondary else "rate limit"
        super().__init__(f"GitHub {kind} exhausted; it resets in {reset_in:.0f} s")


class BudgetExhausted(Stopped):
    """This run's own call budget is spent (it stops before the rate limit does)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        super().__init__(f"the run's API call budget ({budget} calls) is spent")


class DeadlineReached(Stopped):
    """The run's overall deadline is reached (or would be, waiting for the next try)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        super().__init__(f"the run's deadline ({deadline:.0f} s) is reached")


class Unavailable(Stopped):
    """Server errors, timeouts or connection failures that outlasted the retries."""


class MalformedAnswer(Stopped):
    """GitHub answered 2xx with something that is not what the API describes (truncated JSON, HTML)."""


class Refused(GitHubError):
    """A 4xx GitHub would answer again: the operation cannot succeed as it is."""

    def __init__(self, status: int, message: str, hint: str = "") -> None:
        self.status = status
        self.message = message
        self.hint = hint
        text = f"GitHub answered {status}" + (f": {message}" if message else "")
        super().__init__(text + (f" ({hint})" if hint else ""))
