"""Cron schedules as the CronJob API reads them (``github.com/robfig/cron/v3``'s ``ParseStandard``):
five fields — minute, hour, day of month, month, day of week — or a descriptor (``@hourly``,
``@daily``, ``@every 5m`` …), with upstream's parse errors word for word, since the API server
returns them in its validation message (``spec.schedule: Invalid value: "x": …``).

Shared by the API server (validation) and the CronJob controller (when is the next run), so it
lives on the floor both stand on. Times are epoch seconds; a schedule is read in UTC unless a
``timeZone`` (an IANA name) is given.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_FIELDS = (  # name, min, max, names
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("dom", 1, 31, {}),
    ("month", 1, 12, {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}),
    ("dow", 0, 6, {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}),
)
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
#: How far ahead :meth:`Schedule.next_after` looks before giving up (robfig: five years).
_HORIZON_YEARS = 5


class CronError(ValueError):
    """A schedule that does not parse; the text is robfig/cron's."""


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: the allowed values of each field, or a fixed interval (``@every``)."""

    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    doms: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    dows: frozenset[int] = frozenset()
    #: ``*`` in day-of-month / day-of-week: then the other field alone decides.
    dom_star: bool = True
    dow_star: bool = True
    every_seconds: float = 0.0

    def _day_matches(self, day: datetime) -> bool:
        dom = day.day in self.doms
        dow = (day.weekday() + 1) % 7 in self.dows
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow

    def next_after(self, t: float, tz: str = "") -> float | None:
        """The first activation strictly after epoch second ``t``; None if none within five years."""
        if self.every_seconds:
            step = max(1.0, float(int(self.every_seconds)))
            return float(int(t)) + step
        zone = ZoneInfo(tz) if tz else UTC
        start = datetime.fromtimestamp(int(t) // 60 * 60, zone) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        end = day.replace(year=day.year + _HORIZON_YEARS)
        while day < end:
            if day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate.timestamp()
            day = (day + timedelta(days=1)).replace(hour=0, minute=0)
        return None

    def activations(self, after: float, until: float, tz: str = "", limit: int = 101) -> list[float]:
        """Activations in ``(after, until]``, at most ``limit`` of them (the controller only needs
        the latest and whether there were too many)."""
        found: list[float] = []
        t = after
        while len(found) < limit:
            nxt = self.next_after(t, tz)
            if nxt is None or nxt > until:
                break
            found.append(nxt)
            t = nxt
        return found


def _parse_int(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise CronError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _value(text: str, names: dict[str, int]) -> int:
    return names[text.lower()] if text.lower() in names else _parse_int(text)


def _parse_range(expr: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    """One comma-separated piece: ``*``, ``?``, ``N``, ``N-M``, each with an optional ``/step``."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    star = False
    if low_and_high[0] in ("*", "?"):
        start, end, star = low, high, True
    else:
        start = _value(low_and_high[0], names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _value(low_and_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _parse_int(range_and_step[1])
        if single and not star:
            end = high  # "N/step" means N through the maximum
        if step > 1:
            star = False
    else:
        raise CronError(f"too many slashes: {expr}")
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step <= 0:
        raise CronError(f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def _parse_every(text: str) -> float:
    rest = text.strip()
    if not rest or not re.fullmatch(r"(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+", rest):
        raise CronError(f'failed to parse duration {text}: time: invalid duration "{rest}"')
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION.findall(rest))


def parse_standard(spec: str) -> Schedule:
    """``cron.ParseStandard``: five fields or a descriptor; raises :class:`CronError`."""
    text = spec.strip()
    if not text:
        raise CronError("empty spec string")
    if text.startswith("@"):
        if text.startswith("@every "):
            return Schedule(every_seconds=_parse_every(text[len("@every "):]))
        if text not in _DESCRIPTORS:
            raise CronError(f"unrecognized descriptor: {text}")
        text = _DESCRIPTORS[text]
    fields = text.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    values: list[frozenset[int]] = []
    stars: list[bool] = []
    for (_, low, high, names), field in zip(_FIELDS, fields):
        allowed: set[int] = set()
        star = True
        for piece in field.split(","):
            got, piece_star = _parse_range(piece, low, high, names)
            allowed |= got
            star = star and piece_star
        values.append(frozenset(allowed))
        stars.append(star)
    return Schedule(minutes=values[0], hours=values[1], doms=values[2], months=values[3], dows=values[4],
                    dom_star=stars[2], dow_star=stars[4])


def valid_time_zone(name: str) -> bool:
    """Whether ``name`` is a time zone the controller can load (IANA database names)."""
    if not name or name.startswith(("/", ".")) or "\\" in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
