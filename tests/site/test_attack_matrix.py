"""The assessor's attack on scope, run on every change: every URL with an id in the URL configuration,
opened by every persona with GET and with POST, on the objects of 东湖县. Nobody outside 东湖县 and the
offices above it reads or writes any of it (404, and no write in the audit trail), the inspector never
writes, and no request of anyone is a server error (MLPS level 3: access control; GB/T 22239 8.1.4.2).

The URLs come from the URL configuration itself: a new page with an id is in the matrix at once, and
test_access.py fails until its objects are named in OBJECT_URLS."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from tests.factories import make_person, make_system_user
from tests.helpers import sign_in
from tests.site.test_access import OBJECT_URLS
from zhiban.audit.models import AuditEntry
from zhiban.org.models import Role

WRITES = [AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE, AuditEntry.Action.DELETE]
# The directory is shared downwards by design (A1.7, B21: a township must reach the county's duty office):
# there the township's officer reads, and still writes nothing.
SHARED_DOWNWARDS = {"contact_detail", "contact_edit", "contact_delete"}
# The county's roll call of 青石镇 is answered by the township: there its officer is the one called.
CALLED_BELOW = {"roll_call_answer"}


def urls_with_an_id(patterns=None, prefix="") -> list[str]:
    """The names of every pattern of the URL configuration that takes an argument (the API apart:
    test_api_fuzzing.py)."""
    found = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLPattern):
            if p.pattern.converters:
                found.append(p.name)
        elif not getattr(p, "namespace", None):
            found += urls_with_an_id(p.url_patterns)
    return found


# One's own things, by id: nobody but the owner (the officer) reaches them.
OWN_URLS = {
    "duty_request_delete": lambda own: [own["duty_request"].pk],
    "token_revoke": lambda own: [own["token"].pk],
}
# The city's own: the office above the top unit (省政府总值班室), kept by the city's duty office; the
# inspector of the city reads it, nobody of a county or below reaches it.
CITY_URLS = {
    "external_office_edit": lambda own: [own["office"].pk],
    "external_office_delete": lambda own: [own["office"].pk],
}
# The platform's own, kept by the system administrator (系统管理员) alone: every other person, the
# security and audit administrators included, is an outsider (404, nothing written).
SYSTEM_URLS = {
    "drill_request": lambda own: [own["backup"].pk],
}
# A calendar feed is opened by its secret token, not an id, by a calendar app without a login: holding
# the token is the permission (tests/roster/test_files.py); it is not in the matrix. Nor is a wall
# display's link (tests/shifts/test_wall_displays.py).
NOT_BY_ID = {"feed", "wall_display", "wall_display_poll"}  # a wall display's link too (its key)
MATRIX = sorted(set(urls_with_an_id()) - NOT_BY_ID)


def test_the_matrix_covers_every_url_with_an_id():
    assert len(MATRIX) >= 70 and set(MATRIX) <= set(OBJECT_URLS) | set(OWN_URLS) | set(CITY_URLS) | set(
        SYSTEM_URLS
    )


@pytest.fixture
def own(org) -> dict:
    import datetime as dt

    from django.utils import timezone

    from zhiban.archive.models import Backup
    from zhiban.incidents.models import ExternalOffice
    from zhiban.org.models import ApiToken
    from zhiban.roster.models import DutyRequest

    return {
        "duty_request": DutyRequest.objects.create(person=org.officer, day=dt.date(2026, 10, 1)),
        "token": ApiToken.issue(org.officer.user, "程控交换机")[0],
        "office": ExternalOffice.objects.create(unit=org.city, name="省政府总值班室", phone="0551-62600000"),
        "backup": Backup.objects.create(
            kind=Backup.Kind.MANUAL,
            state=Backup.State.DONE,
            requested_at=timezone.now(),
            name="zhiban.sqlite3",
        ),
    }


@pytest.fixture
def personas(org):
    """Who may be tried against 东湖县's objects, and what each may do there."""
    outsiders = {
        "西山县值班员（兄弟单位）": org.sibling_officer,
        "青石镇值班员（下级单位）": make_person(org.township, "青石镇值班员", roles=[Role.DUTY_STAFF]),
        "市应急局干部（别的部门）": make_person(org.city_dept, "市局干部"),
    }
    # may read some of it (the inspector the subtree, a plain member the unit's roster), write none
    readers = {
        "督查人员": org.inspector,
        "东湖县普通干部（无值班角色）": make_person(org.county, "普通干部"),
    }
    insiders = {
        "市总值班室管理员": org.city_admin,
        "东湖县值班室管理员": org.county_admin,
        "东湖县带班领导": org.county_leader,
        "东湖县值班员": org.officer,
        "东湖县副班": org.deputy,
    }
    system = {role: make_system_user(role) for role in ("system_admin", "security_admin", "audit_admin")}
    return outsiders, readers, insiders, system


def reached(client: Client, url: str) -> int:
    """What a GET ends on: a form's address opened by GET may send the browser back to the record's
    page (incidents.views.posted_from), which must then refuse the outsider in its turn."""
    response = client.get(url)
    if response.status_code == 302 and response["Location"].startswith("/"):
        response = client.get(response["Location"])
    return response.status_code


def writes() -> int:
    return AuditEntry.objects.filter(action__in=WRITES).count()


@pytest.mark.parametrize("name", MATRIX)
def test_no_persona_reads_or_writes_outside_its_scope_and_none_gets_a_server_error(
    org, objects, own, personas, name
):
    outsiders, readers, insiders, system = personas
    if name in OWN_URLS:  # one's own: everyone but the owner, the officer, is an outsider here
        everyone = {**outsiders, **readers, **insiders}
        insiders = {"东湖县值班员": everyone.pop("东湖县值班员")}
        outsiders, readers, system = everyone, {}, {}
        url, is_write = reverse(name, args=OWN_URLS[name](own)), True
    elif name in CITY_URLS:  # the city's: its duty office keeps it, the rest of the city reads at most
        everyone = {**outsiders, **readers, **insiders}
        insiders = {k: everyone.pop(k) for k in ("市总值班室管理员",)}
        readers = {k: everyone.pop(k) for k in ("督查人员", "市应急局干部（别的部门）")}
        outsiders = everyone
        url, is_write = reverse(name, args=CITY_URLS[name](own)), True
    elif name in SYSTEM_URLS:
        everyone = {**outsiders, **readers, **insiders}
        others = {k: SimpleNamespace(user=system.pop(k)) for k in ("security_admin", "audit_admin")}
        outsiders, readers, insiders = {**everyone, **others}, {}, {}
        url, is_write = reverse(name, args=SYSTEM_URLS[name](own)), True
    else:
        args, is_write = OBJECT_URLS[name]
        url = reverse(name, args=args(objects))
    if name in SHARED_DOWNWARDS:
        readers = {**readers, "青石镇值班员（下级单位）": outsiders.pop("青石镇值班员（下级单位）")}
    if name in CALLED_BELOW:
        insiders = {**insiders, "青石镇值班员（下级单位）": outsiders.pop("青石镇值班员（下级单位）")}
    wrong = []

    def client(user) -> Client:
        return sign_in(Client(raise_request_exception=False), user)

    for label, person in outsiders.items():
        c, before = client(person.user), writes()
        got = (reached(c, url), c.post(url, {}).status_code)
        if got[0] not in (404, 405) or got[1] != 404 or writes() != before:
            wrong.append(f"{label}: GET {got[0]}, POST {got[1]}, writes {writes() - before}")
    for label, person in readers.items():
        c, before = client(person.user), writes()
        got = (c.get(url).status_code, c.post(url, {"name": "x", "text": "x"}).status_code)
        refused = got[1] in (403, 404, 405) or not is_write  # a page that only shows ignores a POST
        if got[0] >= 500 or got[1] >= 500 or not refused or writes() != before:
            wrong.append(f"{label}: GET {got[0]}, POST {got[1]}, writes {writes() - before}")
    for label, user in [*((k, p.user) for k, p in insiders.items()), *system.items()]:
        c = client(user)
        got = (c.get(url).status_code, c.post(url, {}).status_code)
        if max(got) >= 500:
            wrong.append(f"{label}: GET {got[0]}, POST {got[1]}")
    assert wrong == [], f"{url}: " + "; ".join(wrong)
