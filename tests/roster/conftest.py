"""Fixtures the roster tests share: 东湖县's shift types and trained staff before National Day, an October roster's unit."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.clock import SHANGHAI, travel_to
from tests.factories import (
    make_person,
    make_shift_types,
    train,
)
from tests.roster.helpers import TRAINED_ON
from zhiban.org.models import Role


@pytest.fixture
def october(org):
    make_shift_types(org.county)
    staff = [make_person(org.county, f"值班员{i}", roles=[Role.DUTY_STAFF]) for i in range(6)]
    for person in staff:
        train(person, on=dt.date(2026, 9, 1))
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield staff


@pytest.fixture
def county(org):
    make_shift_types(org.county)
    staff = [org.officer, org.deputy] + [
        make_person(org.county, f"值班员{i}", roles=[Role.DUTY_STAFF]) for i in range(5)
    ]
    for person in [*staff, org.county_leader]:
        train(person, on=dt.date(2026, 9, 1))
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield staff


@pytest.fixture
def county_duty(org):
    """The county's duty roster: four leaders on duty, the officer, the deputy and five more staff, all
    trained; 24-hour shifts with primary, deputy and standby (and a leader on holidays)."""
    make_shift_types(org.county)
    staff = [org.officer, org.deputy] + [
        make_person(org.county, f"值班员{i}", roles=[Role.DUTY_STAFF]) for i in range(5)
    ]
    leaders = [org.county_leader] + [
        make_person(org.county, f"县领导{i}", roles=[Role.LEADER]) for i in range(3)
    ]
    for person in [*staff, *leaders]:
        train(person, on=TRAINED_ON)
    return staff


@pytest.fixture
def before_national_day():
    with travel_to(2026, 9, 20, 10, 0):
        yield
