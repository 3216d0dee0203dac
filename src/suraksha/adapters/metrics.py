"""Prometheus metrics of a node (`GET /metrics`, prometheus_client's text format; docs/deployment.md).

Two kinds:
- **what this process did**: intake's answers and their latency, by channel and status (a counter and a histogram
  the webhook lane updates); Prometheus scrapes every node and adds them up;
- **what waits in the database**: the outbox's events not yet relayed, the outbound messages pending, due and given
  up, the timers due and not yet fired. They are read from the database when Prometheus scrapes (a few counts over
  indexed columns), so every node reports the same figures for them: the state is shared, not the node's.

A registry per app (the tests build several in one process), never prometheus_client's global one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

log = logging.getLogger(__name__)
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # the text format every Prometheus reads
# Intake's answers in seconds: a durable commit takes milliseconds, her "received" should not take seconds.
INTAKE_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

Reading = Mapping[tuple[str, ...], float]  # label values -> value


@dataclass(frozen=True)
class Gauge:
    """A gauge read when scraped: `read()` gives a value per tuple of label values."""

    name: str
    help: str
    labels: Sequence[str]
    read: Callable[[], Reading]


class _Readings:
    """prometheus_client's custom collector for the gauges read from the database."""

    def __init__(self) -> None:
        self.gauges: list[Gauge] = []

    def collect(self) -> Iterator[Metric]:
        for gauge in self.gauges:
            try:
                values = gauge.read()
            except Exception:  # a database that does not answer: this gauge is left out of this scrape
                log.warning("metrics: %s could not be read", gauge.name, exc_info=True)
                continue
            family = GaugeMetricFamily(gauge.name, gauge.help, labels=list(gauge.labels))
            for labels, value in values.items():
                family.add_metric(list(labels), value)
            yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.intake_seconds = Histogram(
            "suraksha_intake_seconds", "Time from a provider's delivery to its answer, by channel",
            ["channel"], buckets=INTAKE_BUCKETS, registry=self.registry)
        self.intake_answers = Counter(
            "suraksha_intake_answers", "Provider deliveries answered, by channel and HTTP status",
            ["channel", "status"], registry=self.registry)
        self.intake_ignored = Counter(
            "suraksha_intake_ignored", "Provider messages left out on purpose, by channel and reason (a WhatsApp "
            "group's messages, reactions)", ["channel", "reason"], registry=self.registry)
        self._readings = _Readings()
        self.registry.register(self._readings)

    def observe_intake(self, channel: str, status: int, seconds: float) -> None:
        self.intake_seconds.labels(channel).observe(seconds)
        self.intake_answers.labels(channel, str(status)).inc()

    def count_ignored(self, channel: str, reason: str, n: int = 1) -> None:
        self.intake_ignored.labels(channel, reason).inc(n)

    def gauge(self, name: str, help: str, read: Callable[[], Reading], labels: Sequence[str] = ()) -> None:
        """A gauge read from the database at each scrape."""
        self._readings.gauges.append(Gauge(name, help, tuple(labels), read))

    def render(self) -> bytes:
        return generate_latest(self.registry)
