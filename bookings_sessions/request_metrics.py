"""A counter and a histogram recorded without locks (the event loop's one thread records and scrapes),
exposed by prometheus-client at scrape time; why: docs/performance.md lever 5.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString


class CountedHistogram(Collector):
    """`<counter>_total` by every label, and `<histogram>` by the first `histogram_labels` of them."""

    def __init__(
        self,
        *,
        counter: tuple[str, str],
        histogram: tuple[str, str],
        labels: Sequence[str],
        histogram_labels: int,
        buckets: Sequence[float],
    ) -> None:
        self._counter_name, self._counter_help = counter
        self._histogram_name, self._histogram_help = histogram
        self._labels = list(labels)
        self._histogram_labels = histogram_labels
        self._bounds = tuple(sorted(buckets))
        # Per label values: the count in each bucket (not cumulative; the last is +Inf), then the sum.
        self._series: dict[tuple[str, ...], list[float]] = {}

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        series = self._series.get(labels)
        if series is None:
            series = self._series[labels] = [0.0] * (len(self._bounds) + 2)
        series[bisect_left(self._bounds, value)] += 1  # the first bucket whose bound is >= value
        series[-1] += value

    def collect(self) -> Iterator[Metric]:
        counter = CounterMetricFamily(self._counter_name, self._counter_help, labels=self._labels)
        grouped: dict[tuple[str, ...], list[float]] = {}
        for labels, series in self._series.items():
            counter.add_metric(list(labels), sum(series[:-1]))
            total = grouped.setdefault(labels[: self._histogram_labels], [0.0] * len(series))
            for index, value in enumerate(series):
                total[index] += value
        histogram = HistogramMetricFamily(
            self._histogram_name, self._histogram_help, labels=self._labels[: self._histogram_labels]
        )
        for labels, series in grouped.items():
            cumulative, buckets = 0.0, []
            for bound, count in zip((*self._bounds, float("inf")), series[:-1], strict=True):
                cumulative += count
                buckets.append((floatToGoString(bound), cumulative))  # type: ignore[no-untyped-call]
            histogram.add_metric(list(labels), buckets, sum_value=series[-1])
        yield counter
        yield histogram
