"""The personas every test speaks of (STYLE.md): a city duty-office administrator, a county leader on
duty, a duty officer and a deputy of that county, an officer of the sibling county (who must be
refused), and an inspector (who may read, never write)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from tests.factories import make_person, make_unit
from tests.helpers import sign_in
from zhiban.archive import jobs as archive_jobs
from zhiban.lib.classification import Classification
from zhiban.org.caching import GenerationCache
from zhiban.org.models import Person, Role, Unit
from zhiban.org.security import forget_policy

SECRET_CLEARED = Classification.SECRET

pytest_plugins = [
    "tests.browser",  # tests in a real browser: page, login_as
    "tests.shift_fixtures",  # the shift day: on_the_day, duty
    "tests.servers",  # real servers that record what they got: smtp, gateway
]


@dataclass
class Org:
    city: Unit
    county: Unit
    sibling: Unit
    township: Unit
    city_dept: Unit
    county_dept: Unit
    city_admin: Person
    county_admin: Person
    county_leader: Person
    officer: Person
    deputy: Person
    sibling_officer: Person
    inspector: Person

    def client(self, person: Person) -> Client:
        client = Client()
        sign_in(client, person.user)
        return client


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Uploaded files (exemption records), the audit chain's checkpoints and its archive, backups go to a
    directory of this test, not var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.log"
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "audit-archive"
    settings.BACKUP_DIR = tmp_path / "backups"


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test starts as a fresh worker would: no scope, fragment or security policy cached by an
    earlier test."""
    GenerationCache.forget()
    forget_policy()
    archive_jobs.forget()


@pytest.fixture
def org(db) -> Org:
    city = make_unit("示范市人民政府", Unit.Kind.CITY, short_name="市政府", duty_office_name="市政府总值班室")
    county = make_unit("东湖县人民政府", Unit.Kind.COUNTY, city, short_name="东湖县")
    sibling = make_unit("西山县人民政府", Unit.Kind.COUNTY, city, short_name="西山县")
    township = make_unit("青石镇人民政府", Unit.Kind.TOWNSHIP, county, short_name="青石镇")
    city_dept = make_unit("示范市应急管理局", Unit.Kind.DEPARTMENT, city)
    county_dept = make_unit("东湖县应急管理局", Unit.Kind.DEPARTMENT, county)
    return Org(
        city=city,
        county=county,
        sibling=sibling,
        township=township,
        city_dept=city_dept,
        county_dept=county_dept,
        # the duty offices' people are cleared for 秘密 (A2.7/B15); the inspector is not
        city_admin=make_person(
            city, "周建国", roles=[Role.DUTY_ADMIN, Role.DUTY_STAFF], clearance=SECRET_CLEARED
        ),
        county_admin=make_person(county, "何丽娟", roles=[Role.DUTY_ADMIN], clearance=SECRET_CLEARED),
        county_leader=make_person(county, "曾志强", roles=[Role.LEADER], clearance=SECRET_CLEARED),
        officer=make_person(county, "林海燕", roles=[Role.DUTY_STAFF], clearance=SECRET_CLEARED),
        deputy=make_person(county, "单晓东", roles=[Role.DUTY_STAFF], clearance=SECRET_CLEARED),
        sibling_officer=make_person(
            sibling, "马立新", roles=[Role.DUTY_STAFF, Role.DUTY_ADMIN], clearance=SECRET_CLEARED
        ),
        inspector=make_person(city, "解文斌", roles=[Role.INSPECTOR]),
    )
