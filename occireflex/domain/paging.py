"""Paging and date ranges shared by the lists (Consultas, Inscripciones, Archivos
Cargados, Administración de Token): page sizes, the page number from the browser, and
ranges of Bogotá days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from occireflex import clock
from occireflex.domain.bogota import day_start, local_today
from occireflex.domain.errors import ValidationError

PAGE_SIZES = (10, 25, 50)
DEFAULT_DAYS = 30  # default range: the last 30 days, today included
MAX_RANGE_DAYS = 366
MIN_YEAR, MAX_YEAR = 2000, 2099

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def page_size_of(value: object) -> int:
    return value if value in PAGE_SIZES and not isinstance(value, bool) else PAGE_SIZES[0]


def page_number(value: object, limit: int | None = None) -> int:
    """A page number from the browser: a positive int (below ``limit``), else 1."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return value if ok and (limit is None or value < limit) else 1  # type: ignore[return-value]


def clamp_page(value: object, total: int, size: int) -> int:
    """A page number from the browser, forced into 1..last page."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else 1
    pages = max(1, -(-total // size))
    return min(max(1, number), pages)


def offset(number: int, size: int) -> int:
    """The first row of page ``number``."""
    return (number - 1) * size


@dataclass(frozen=True)
class Option:
    """One choice of a filter select."""

    id: int
    label: str


@dataclass(frozen=True)
class DateRange:
    start: date  # first day, America/Bogota
    end: date  # last day, included

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC instants: local midnight to the next local midnight."""
        return day_start(self.start), day_start(self.end + timedelta(days=1))

    def label(self) -> str:
        return f"{self.start:%Y/%m/%d} a {self.end:%Y/%m/%d}"


def default_range(now: datetime | None = None) -> DateRange:
    today = local_today(now or clock.now())
    return DateRange(today - timedelta(days=DEFAULT_DAYS - 1), today)


def parse_day(value: object, label: str) -> date:
    """A day from the browser: a ``date`` or an ``AAAA-MM-DD`` string, years 2000–2099."""
    day: date | None = None
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError(f"La {label} no es válida. Use una fecha AAAA-MM-DD entre "
                              f"{MIN_YEAR} y {MAX_YEAR}.")
    return day


def parse_range(date_from: object, date_to: object, now: datetime | None = None) -> DateRange:
    """Both ends None → the default range; otherwise both must be valid and ordered."""
    if date_from in (None, "") and date_to in (None, ""):
        return default_range(now)
    start = parse_day(date_from, "fecha desde")
    end = parse_day(date_to, "fecha hasta")
    if start > end:
        raise ValidationError("La fecha desde no puede ser posterior a la fecha hasta.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError(f"El rango de fechas no puede superar {MAX_RANGE_DAYS} días.")
    return DateRange(start, end)
