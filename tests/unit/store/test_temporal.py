"""graphflow's own hydration of Bolt LocalDateTime values gives what the driver's gives.

Every graphflow reader turns the driver's ``neo4j.time.DateTime`` into a Python datetime
with ``to_native()``; the store's connections produce that Python datetime directly
(:mod:`graphflow.store._temporal`). The two must never differ.
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from neo4j._codec.hydration.bolt.v2 import temporal as driver_temporal

from graphflow.store._temporal import (
    _with_fallback,
    local_datetime,
    offset_datetime,
    utc_local_datetime,
)

#: 0001-01-01T00:00 and 9999-12-31T23:59:59, in seconds from 1970-01-01T00:00
FIRST, LAST = -62_135_596_800, 253_402_300_799


@given(st.integers(FIRST, LAST), st.integers(0, 999_999_999))
def test_the_same_datetime_as_the_driver_converted_to_native(seconds: int, nanos: int) -> None:
    expected = driver_temporal.hydrate_datetime(seconds, nanos).to_native()
    assert local_datetime(seconds, nanos) == expected
    assert local_datetime(seconds, nanos).tzinfo is None


@given(st.integers(FIRST, LAST), st.integers(0, 999_999_999))
def test_from_a_server_that_keeps_utc_without_a_zone_the_zone_is_utc(
    seconds: int, nanos: int
) -> None:
    """ArcadeDB gives graphflow's UTC times back as LocalDateTimes: the wall time is UTC's."""
    ours = utc_local_datetime(seconds, nanos)
    assert ours.utcoffset() == datetime.timedelta(0)
    assert ours.replace(tzinfo=None) == local_datetime(seconds, nanos)


@given(
    st.integers(FIRST + 86_400, LAST - 86_400),
    st.integers(0, 999_999_999),
    st.integers(-18 * 60, 18 * 60).map(lambda minutes: minutes * 60),  # zones: whole minutes
)
def test_an_offset_datetime_is_the_drivers_instant_and_offset(
    seconds: int, nanos: int, offset: int
) -> None:
    """Neo4j sends graphflow's UTC timestamps as Bolt 5 DateTimes with an offset."""
    expected = driver_temporal.hydrate_datetime(seconds, nanos, offset).to_native()
    ours = offset_datetime(seconds, nanos, offset)
    assert ours == expected
    assert ours.utcoffset() == expected.utcoffset()
    assert ours.replace(tzinfo=None) == expected.replace(tzinfo=None)  # the same wall time


def test_a_value_python_cannot_hold_is_left_to_the_driver() -> None:
    hydrate = _with_fallback(local_datetime, driver_temporal.hydrate_datetime)
    # before year 1: the driver's own (zero) date, as before
    assert hydrate(FIRST - 1, 0) == driver_temporal.hydrate_datetime(FIRST - 1, 0)
    # after year 9999: the driver's own error, which it reports as a broken record
    with pytest.raises(ValueError, match="out of range"):
        hydrate(LAST + 1, 0)
