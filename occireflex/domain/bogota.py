"""The business calendar: America/Bogota time and Colombian holidays, in one place.

``occireflex.clock`` is the one reader of the machine's clock (business «now», aware UTC);
this module turns such instants into Bogotá days and texts, and knows which days are
business days. Dates are stored in UTC; only the edges speak Bogotá time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from occireflex import clock

BOGOTA = ZoneInfo("America/Bogota")
MOMENT_FORMAT = "%Y/%m/%d %H:%M"
DAY_FORMAT = "%Y/%m/%d"


def local_today(now: datetime) -> date:
    """The Bogotá day of an aware instant."""
    return now.astimezone(BOGOTA).date()


def today() -> date:
    """The business day now, in Bogotá (``clock.now()``)."""
    return local_today(clock.now())


def as_utc(moment: datetime) -> datetime:
    """An aware UTC instant; a naive ``moment`` is Bogotá local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BOGOTA)
    return moment.astimezone(UTC)


def day_start(day: date) -> datetime:
    """Local midnight that opens ``day``, as an aware UTC instant."""
    return datetime.combine(day, time.min, BOGOTA).astimezone(UTC)


def local_moment(moment: datetime) -> str:
    """«2026/11/22 08:15» in America/Bogota (a naive ``moment`` is UTC, as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BOGOTA).strftime(MOMENT_FORMAT)


def local_time(moment: datetime) -> str:
    """«08:15» in America/Bogota."""
    return local_moment(moment)[-5:]


def local_date(moment: datetime) -> str:
    """«2026/11/22»: the Bogotá day of an aware instant."""
    return moment.astimezone(BOGOTA).strftime(DAY_FORMAT)


def day_text(day: date) -> str:
    """«2026/11/22» for a calendar day (a due date)."""
    return day.strftime(DAY_FORMAT)


@lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CO", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def previous_business_day(day: date) -> date:
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def end_of_business_day(now: datetime) -> datetime:
    """The instant the Bogotá business day of ``now`` ends (midnight after it); on a weekend
    or holiday, the end of the next business day."""
    day = local_today(now)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day_start(day + timedelta(days=1))
