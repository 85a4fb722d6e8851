"""The calendar grid's time arithmetic: pure, on minutes after local midnight.

A column's working time on a day (opening hours, the clinician's hours), less its sessions, is its
free time; the rest of the grid's hours is shaded as out of hours.
"""

from __future__ import annotations

import datetime

Span = tuple[int, int]  # minutes after local midnight, start < end

SMALLEST_GAP = 15  # minutes: a shorter free gap is not worth offering


def minutes(value: datetime.time | str) -> int:
    """10:30 (a time, or "10:30") -> 630."""
    if isinstance(value, str):
        hours, mins = value.split(":")[:2]
        return int(hours) * 60 + int(mins)
    return value.hour * 60 + value.minute


def clock(value: int) -> str:
    """630 -> "10:30"; 1440 -> "24:00" (the end of the day)."""
    return f"{value // 60:02d}:{value % 60:02d}"


def intersect(a: Span | None, b: Span | None) -> Span | None:
    if a is None or b is None:
        return None
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start < end else None


def subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    """`spans` less every `hole`, in time order."""
    out = sorted(s for s in spans if s[0] < s[1])
    for hole_start, hole_end in sorted(holes):
        kept = []
        for start, end in out:
            if hole_end <= start or hole_start >= end:
                kept.append((start, end))
                continue
            if start < hole_start:
                kept.append((start, hole_start))
            if hole_end < end:
                kept.append((hole_end, end))
        out = kept
    return out


def free_gaps(working: Span | None, busy: list[Span], smallest: int = SMALLEST_GAP, not_before: int = 0) -> list[Span]:
    """Working time not taken by a session, from `not_before` on (time that has passed is not free),
    in gaps of at least `smallest` minutes."""
    if working is None:
        return []
    holes = busy + ([(0, not_before)] if not_before > 0 else [])
    return [gap for gap in subtract([working], holes) if gap[1] - gap[0] >= smallest]


def out_of_hours(working: Span | None, frame: Span) -> list[Span]:
    """The grid's hours outside the working time (all of them on a day off)."""
    return subtract([frame], [working] if working else [])


def frame_of(spans: list[Span], default: Span = (9 * 60, 18 * 60)) -> Span:
    """The grid's hours: whole hours around every span given (hours, sessions); `default` when none."""
    if not spans:
        return default
    start = min(s[0] for s in spans) // 60 * 60
    end = -(-max(s[1] for s in spans) // 60) * 60
    return start, min(end, 24 * 60)
