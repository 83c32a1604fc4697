"""``GET /metrics``: Prometheus text. The serving process's own histogram of webhook acknowledgements,
and, read from Redis and Postgres at each scrape, what every worker process shares: queue depth and
lag, jobs by outcome, retries, dead letters and their notices, the GitHub budget left per installation, and the
latency histograms workers record (delivery to done, job duration)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from ..state.coordination import Coordination
from .jobs import HISTOGRAMS, LATENCY_BUCKETS
from .queue import QueueStats

ACK_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0)


class Shared(Collector):
    def __init__(self, coord: Coordination, queue: Callable[[], QueueStats], dead: Callable[[], int | None]):
        self.coord, self.queue, self.dead = coord, queue, dead

    def collect(self) -> Iterator[Any]:
        q = self.queue()
        depth = GaugeMetricFamily("devflow_queue_depth", "Messages in the deliveries queue", labels=["state"])
        for state, n in (("ready", q.ready), ("delayed", q.delayed), ("in_progress", q.in_progress)):
            depth.add_metric([state], n)
        yield depth
        yield GaugeMetricFamily("devflow_queue_lag_seconds", "Age of the oldest ready message", value=q.lag)
        counters, hists = self.coord.metrics(HISTOGRAMS)
        jobs = CounterMetricFamily("devflow_jobs", "Deliveries processed, by outcome", labels=["outcome"])
        for name, count in sorted(counters.items()):
            if name.startswith("jobs:"):
                jobs.add_metric([name[5:]], count)
        yield jobs
        retries, dead = counters.get("retries", 0), counters.get("dead_letters", 0)
        yield CounterMetricFamily("devflow_retries", "Attempts that failed and were retried", value=retries)
        yield CounterMetricFamily("devflow_dead_letters", "Deliveries dead-lettered", value=dead)
        notices = CounterMetricFamily("devflow_notices", "Dead-letter notices, by sink and outcome",
                                      labels=["sink", "outcome"])  # fmt: skip
        for name, count in sorted(counters.items()):
            if name.startswith("notices:") and name.count(":") == 2:
                notices.add_metric(name.split(":")[1:], count)
        yield notices
        still_open = self.dead()
        if still_open is not None:
            yield GaugeMetricFamily("devflow_dead_letters_open", "Dead letters not settled", value=still_open)
        budget = GaugeMetricFamily("devflow_github_budget_remaining", "GitHub calls left", labels=["scope"])
        reset = GaugeMetricFamily("devflow_github_budget_reset_timestamp", "When the budget resets", labels=["scope"])
        for scope, values in sorted(self.coord.budgets().items()):
            budget.add_metric([scope], values.get("remaining", 0))
            reset.add_metric([scope], values.get("reset", 0))
        yield budget
        yield reset
        for name in HISTOGRAMS:
            yield _histogram(name, hists.get(name, {}))


def _histogram(name: str, raw: dict[str, float]) -> HistogramMetricFamily:
    buckets, total = [], 0.0
    for bound in LATENCY_BUCKETS:
        total += raw.get(str(bound), 0)
        buckets.append((str(bound), total))
    buckets.append(("+Inf", total + raw.get("+Inf", 0)))
    family = HistogramMetricFamily(f"devflow_{name}", name.replace("_", " "))
    family.add_metric([], buckets, sum_value=raw.get("sum", 0))
    return family


def registry(coord: Coordination, queue: Callable[[], QueueStats], dead: Callable[[], int | None]) -> tuple[
    CollectorRegistry, Histogram, Counter
]:  # fmt: skip
    reg = CollectorRegistry(auto_describe=False)
    reg.register(Shared(coord, queue, dead))
    ack = Histogram("devflow_webhook_ack_seconds", "Time to acknowledge a webhook", buckets=ACK_BUCKETS, registry=reg)
    answers = Counter("devflow_webhooks", "Webhook deliveries answered, by status", ["status"], registry=reg)
    return reg, ack, answers
