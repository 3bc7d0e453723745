"""The tests' clock: Asia/Shanghai, and the moments the tests travel to (never sleep).

- `SHANGHAI`: the offset every test moment carries.
- `at(hour, minute=0, day=DAY)` (tests/shift_fixtures.py): a moment of the shift tests' day, 5 March 2026.
- `at_nine(minute, second=0)`: 09:mm:ss on that day, for the delivery tests that count seconds.
- `travel_to(year, month, day, hour, ...)`: travel there, the clock standing still."""

from __future__ import annotations

import datetime as dt

import time_machine

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at_nine(minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 5, 9, minute, second, tzinfo=SHANGHAI)


def travel_to(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=SHANGHAI), tick=False)
