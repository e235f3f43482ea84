"""How a probe keeps a bounded record of a run of any length."""

from __future__ import annotations


class EveryNth:
    """Which steps a probe records, so that it keeps at most ``limit`` records however long
    training runs: every step at first; when full, every other record is dropped and the
    spacing doubles."""

    def __init__(self, limit: int):
        self.limit, self.every, self._seen = limit, 1, 0

    def due(self) -> bool:
        self._seen += 1
        return self._seen % self.every == 0

    def thin(self, *series: list) -> tuple[list, ...]:
        """The series halved once they hold more than ``limit`` records."""
        if len(series[0]) <= self.limit:
            return series
        self.every *= 2
        return tuple(s[::2] for s in series)
