"""The one adapter of dateutil's internals: an rrule search that gives up after a number of periods instead
of looking until year 9999 (docs/design.md §2); `tests/http/test_costly_validation.py` fails if a dateutil
release stops calling the hook counted here.
"""

from __future__ import annotations

from typing import Any

from dateutil.rrule import rrule


class HorizonReached(Exception):
    """The search went past its periods without an occurrence."""


class HorizonSearch(rrule):
    """dateutil's rrule, giving up after `periods` periods without an occurrence.

    dateutil looks for a next occurrence until year 9999: for a rule with none, seconds of CPU
    (issue 26). It builds its calendar masks once per period (per month for DAILY and WEEKLY), reading
    `_byeaster` once each time; that read is counted here.
    """

    def __init__(self, periods: int, **arguments: Any) -> None:
        self._periods_left = periods
        super().__init__(**arguments)

    @property
    def _byeaster(self) -> Any:
        self._periods_left -= 1
        if self._periods_left < 0:
            raise HorizonReached
        return self._easter

    @_byeaster.setter
    def _byeaster(self, value: Any) -> None:
        self._easter = value
