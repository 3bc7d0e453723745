"""DESIGN.md §Access: every page and endpoint is scoped. For each URL with an object of 东湖县, the
officer of the sibling 西山县 gets 404 and the inspector may read but gets 403 on every write."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver

from tests.factories import (
    listed_contacts,
)
from tests.helpers import sign_in
from zhiban.api import api
from zhiban.org.models import ApiToken, Contact, DutyNumberFiling, Person, Unit

# url name -> (args built from the objects, is it a write when POSTed)
OBJECT_URLS = {
    "unit_detail": (lambda o: [o["unit"].pk], False),
    "unit_children": (lambda o: [o["unit"].pk], False),
    "unit_edit": (lambda o: [o["unit"].pk], True),
    "unit_move": (lambda o: [o["unit"].pk], True),
    "policy_unit": (lambda o: [o["unit"].pk], False),
    "policy_edit": (lambda o: [o["unit"].pk], True),
    "person_detail": (lambda o: [o["person"].pk], False),
    "person_edit": (lambda o: [o["person"].pk], True),
    "role_add": (lambda o: [o["person"].pk], True),
    "role_remove": (lambda o: [o["person"].pk, o["role"].pk], True),
    "person_account": (lambda o: [o["person"].pk], True),
    "training_create": (lambda o: [o["person"].pk], True),
    "training_delete": (lambda o: [o["training"].pk], True),
    "contact_detail": (lambda o: [o["contact"].pk], False),
    "contact_edit": (lambda o: [o["contact"].pk], True),
    "contact_delete": (lambda o: [o["contact"].pk], True),
    "duty_line_edit": (lambda o: [o["line"].pk], True),
    "filing_detail": (lambda o: [o["filing"].pk], False),
    "filing_acknowledge": (lambda o: [o["filing"].pk], True),
    "roster_detail": (lambda o: [o["roster"].pk], False),
    "roster_calendar": (lambda o: [o["roster"].pk], False),
    "roster_generate": (lambda o: [o["roster"].pk], True),
    "roster_solving": (lambda o: [o["roster"].pk], False),
    "roster_solve_stop": (lambda o: [o["roster"].pk], True),
    "roster_publish": (lambda o: [o["roster"].pk], True),
    "roster_delete": (lambda o: [o["roster"].pk], True),
    "assignment_edit": (lambda o: [o["assignment"].pk], True),
    "exemption_detail": (lambda o: [o["exemption"].pk], False),
    "exemption_step": (lambda o: [o["exemption"].pk], True),
    "exemption_file": (lambda o: [o["exemption"].pk, "record"], False),
    "swap_detail": (lambda o: [o["swap"].pk], False),
    "swap_step": (lambda o: [o["swap"].pk], True),
    "swap_docx": (lambda o: [o["swap"].pk], False),
    "roster_export": (lambda o: [o["roster"].pk], False),
    "roster_import": (lambda o: [o["roster"].pk], True),
    "roster_file": (lambda o: [o["roster"].pk], True),
    "setting_edit": (lambda o: ["shift", o["shift_type"].pk], True),
    "setting_delete": (lambda o: ["sensitive", o["period"].pk], True),
    "call_detail": (lambda o: [o["call"].pk], False),
    "call_edit": (lambda o: [o["call"].pk], True),
    "call_material_received": (lambda o: [o["call"].pk], True),
    "phone_notice_detail": (lambda o: [o["notice"].pk], True),
    "phone_notice_units": (lambda o: [o["notice"].pk], True),
    "visit_detail": (lambda o: [o["visit"].pk], False),
    "visit_edit": (lambda o: [o["visit"].pk], True),
    "document_detail": (lambda o: [o["document"].pk], True),
    "document_collection_add": (lambda o: [o["document"].pk], True),
    "document_attach": (lambda o: [o["document"].pk], True),
    "document_attachment": (lambda o: [o["scan"].pk], False),
    "document_collected": (lambda o: [o["document"].pk, o["collection"].pk], True),
    "matter_detail": (lambda o: [o["matter"].pk], False),
    "matter_transfer": (lambda o: [o["matter"].pk], True),
    "matter_close": (lambda o: [o["matter"].pk], True),
    "matter_progress": (lambda o: [o["matter"].pk], True),
    "instruction_detail": (lambda o: [o["instruction"].pk], True),
    "instruction_report": (lambda o: [o["instruction"].pk], True),
    "shift_detail": (lambda o: [o["shift"].pk], False),
    "shift_log_docx": (lambda o: [o["shift"].pk], False),
    "shift_check_in": (lambda o: [o["shift"].pk], True),
    "leave_ask": (lambda o: [o["shift"].pk], True),
    "leave_back": (lambda o: [o["shift"].pk, o["leave"].pk], True),
    "entry_add": (lambda o: [o["shift"].pk], True),
    "entry_detail": (lambda o: [o["log_entry"].pk], False),
    "handover": (lambda o: [o["shift"].pk], True),
    "handover_sign": (lambda o: [o["shift"].pk], True),
    "event_detail": (lambda o: [o["event"].pk], False),
    "phone_report_create": (lambda o: [o["event"].pk], True),
    "written_report_create": (lambda o: [o["event"].pk], True),
    "event_regrade": (lambda o: [o["event"].pk], True),
    "event_link": (lambda o: [o["event"].pk], True),
    "event_unlink": (lambda o: [o["event"].pk], True),
    "deadline_chase": (lambda o: [o["deadline"].pk], True),
    "report_edit": (lambda o: [o["draft"].pk], True),
    "report_check": (lambda o: [o["draft"].pk], True),
    "report_sign": (lambda o: [o["draft"].pk], True),
    "report_return": (lambda o: [o["draft"].pk], True),
    "report_send": (lambda o: [o["draft"].pk], True),
    "report_attachment": (lambda o: [o["attachment"].pk], False),
    "reporting_rules_unit": (lambda o: [o["unit"].pk], False),
    "reporting_rule_edit": (lambda o: [o["unit"].pk], True),
    "reporting_rule_delete": (lambda o: [o["rule"].pk], True),
    "verification_chase": (lambda o: [o["verification"].pk], True),
    "event_note": (lambda o: [o["event"].pk], True),
    "event_instruct": (lambda o: [o["event"].pk], True),
    "event_notify": (lambda o: [o["event"].pk], True),
    "report_detail": (lambda o: [o["report"].pk], False),
    "report_receive": (lambda o: [o["report"].pk], True),
    "report_forward": (lambda o: [o["report"].pk], True),
    "report_word": (lambda o: [o["report"].pk], False),
    "verification_detail": (lambda o: [o["verification"].pk], True),
    "manual_unit": (lambda o: [o["unit"].pk], False),
    "procedure_edit": (lambda o: [o["unit"].pk, "natural"], True),
    "channel_delete": (lambda o: [o["route"].pk], True),
    # supervision: inspectors inspect (inspection_item, inspection_finish are theirs too), never
    # record the duty office's own work (its roll calls, circulars, rectification, the ledger's appeals)
    "spot_check_detail": (lambda o: [o["spot_check"].pk], False),
    "roll_call_detail": (lambda o: [o["county_call"].pk], False),
    "roll_call_rows": (lambda o: [o["county_call"].pk], False),
    "roll_call_answer": (lambda o: [o["target"].pk], True),
    "inspection_detail": (lambda o: [o["inspection"].pk], False),
    "inspection_item": (lambda o: [o["inspection"].pk], False),
    "inspection_finish": (lambda o: [o["inspection"].pk], False),
    "evidence_file": (lambda o: [o["evidence"].pk], False),
    "circular_detail": (lambda o: [o["circular"].pk], True),
    "circular_problem": (lambda o: [o["circular"].pk], True),
    "circular_publish": (lambda o: [o["circular"].pk], True),
    "circular_submit": (lambda o: [o["circular"].pk], True),
    "circular_word": (lambda o: [o["circular"].pk], False),
    "rectification_detail": (lambda o: [o["rectification"].pk], True),
    "ledger_entry_detail": (lambda o: [o["entry"].pk], True),
    "report_mark": (lambda o: [o["report"].pk], True),
    # archive: a volume of 东湖县 is read by its duty roles and the city's; compiled by its duty office
    "volume_detail": (lambda o: [o["volume"].pk], False),
    "volume_action": (lambda o: [o["volume"].pk], True),
    "volume_word": (lambda o: [o["volume"].pk], False),
    "volume_pdf": (lambda o: [o["volume"].pk], False),
    # a brief not yet sent: 东湖县's own duty office only (as an unsent report)
    "brief_detail": (lambda o: [o["brief"].pk], True),
    "brief_word": (lambda o: [o["brief"].pk], False),
    # a wall display's link, kept by 东湖县's duty-office administrators (and those above)
    "wall_display_revoke": (lambda o: [o["display"].pk], True),
}


POST_ONLY = {
    "wall_display_revoke",
    "phone_notice_units",
    "unit_move",
    "role_remove",
    "training_delete",
    "contact_delete",
    "filing_acknowledge",
    "roster_generate",
    "roster_solve_stop",
    "roster_publish",
    "roster_delete",
    "exemption_step",
    "swap_step",
    "roster_file",
    "setting_delete",
    "call_material_received",
    "document_collection_add",
    "document_attach",
    "document_collected",
    "matter_transfer",
    "matter_close",
    "matter_progress",
    "instruction_report",
    "shift_check_in",
    "leave_ask",
    "leave_back",
    "entry_add",
    "handover_sign",
    "phone_report_create",
    "written_report_create",
    "event_regrade",
    "event_link",
    "event_unlink",
    "deadline_chase",
    "report_check",
    "report_sign",
    "report_return",
    "report_send",
    "reporting_rule_delete",
    "verification_chase",
    "event_note",
    "event_instruct",
    "event_notify",
    "report_receive",
    "report_forward",
    "channel_delete",
    "roll_call_answer",
    "inspection_item",
    "inspection_finish",
    "circular_problem",
    "circular_publish",
    "circular_submit",
    "report_mark",
    "volume_action",
}


UNSENT_REPORT_PAGES = {
    "report_edit",
    "report_check",
    "report_sign",
    "report_return",
    "report_send",
    "brief_detail",
    "brief_word",
}


# Pages without an object id: scoped by the current unit or the list's filter.
UNSCOPED_BY_ID = {
    "healthz",
    "login",
    # the second factor and one's own backup codes: the signed-in person's own
    "second_factor_verify",
    "second_factor_enrol",
    "second_factor",
    # the security administrator's pages (403 to anyone else: tests/org/test_second_factor.py)
    "security",
    "security_policy_edit",
    "security_unlock",
    "security_reset_second_factor",
    "security_clearance",
    "logout",
    "password_change",  # one's own only
    "home",
    "switch_unit",
    "unit_tree",
    "unit_create",
    "unit_import",
    "unit_import_template",
    "person_list",
    "person_create",
    "person_pick",  # the units come signed in the page, each checked against the scope (tests/org/test_pickers.py)
    "unit_pick",  # as person_pick (tests/org/test_pickers.py)
    "person_import",
    "person_export",
    "training_list",
    "contact_list",
    "contact_create",
    "contact_print",
    "contact_export",
    "duty_lines",
    "duty_line_create",
    "duty_number_change",
    "policy",
    "token_list",
    "token_revoke",
    "audit_log",
    "roster_list",
    "roster_create",
    "duty_now",
    "shift_types",
    "shift_type_create",
    "holiday_create",
    "sensitive_period_create",
    "exemption_list",
    "exemption_apply",
    "notice_list",
    "swap_list",
    "swap_apply",
    "feeds",
    "holiday_filings",
    "fairness_report",
    "my_duty",
    "duty_request_delete",  # one's own only: another's id is 404 (tests/test_roster.py)
    "feed",  # by secret token, not by id: a wrong token is 404 (tests/test_roster_files.py)
    "notice_read_all",
    # intake and the shift: lists and forms of the unit one works as
    "call_list",
    "call_create",
    "call_lookup",
    "phone_notice_list",
    "phone_notice_create",
    "visit_list",
    "visit_create",
    "document_list",
    "document_create",
    "matter_list",
    "matter_create",
    "instruction_list",
    "instruction_create",
    "desk",
    "equipment_list",
    # emergency information: of the unit one works as, and its subtree
    "event_list",
    "event_create",
    "incident_board",
    "incident_board_rows",
    "wall",  # the wall board: the current unit's, duty readers only
    "wall_poll",
    "wall_displays",  # the current unit's, its duty-office administrators' only (tests/shifts/test_wall_displays.py)
    "wall_display",  # by secret key, not by id: the board of the key's unit alone (tests/shifts/test_wall_displays.py)
    "wall_display_poll",
    "report_inbox",
    "verification_list",
    "verification_create",
    "channel_list",
    "manual",
    "chase_list",
    "reporting_rules",
    "external_offices",
    "external_office_create",
    # the offices above the top unit, outside the system: the top unit's own, not of the county this
    # table is about (tests/incidents/test_external_offices.py: 404 outside the top unit's office)
    "external_office_edit",
    "external_office_delete",
    # supervision: lists and forms of the unit one works as, and its subtree
    "supervision_home",
    "spot_check_list",
    "spot_check_plan",
    "roll_call_list",
    "roll_call_pending",
    "roll_call_schedule",
    "supervision_desk",
    "inspection_list",
    "circular_list",
    "rectification_list",
    "ledger_list",
    "ledger_create",
    "appeal_list",
    "commendation_list",
    "supervision_statistics",
    "supervision_statistics_export",
    "report_marks",
    "archive_home",
    "brief_list",
    "search",  # results filtered by the same rules as the records' pages (tests/archive/test_search.py)
    # the system administrator's backups: the platform's, no unit's (404 to anyone else, the drill's id
    # included: tests/archive/test_backups.py)
    "backup_list",
    "backup_request",
    "drill_request",
}


def test_every_url_is_in_the_access_table():
    def names_in(patterns):
        for p in patterns:
            if isinstance(p, URLPattern):
                yield p.name
            elif not getattr(p, "namespace", None):  # our groups; the API (namespaced) is listed apart
                yield from names_in(p.url_patterns)

    names = set(names_in(get_resolver().url_patterns))
    assert names == set(OBJECT_URLS) | UNSCOPED_BY_ID


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_rule_B3_sibling_unit_gets_404_on_every_page(org, objects, name):
    from django.urls import reverse

    args, _ = OBJECT_URLS[name]
    url = reverse(name, args=args(objects))
    client = org.client(org.sibling_officer)
    if name not in POST_ONLY:
        assert client.get(url).status_code == 404
        assert org.client(org.county_admin).get(url).status_code != 404  # the URL names a real object
    assert client.post(url, {}).status_code == 404


@pytest.mark.parametrize("name", sorted(n for n, (_, write) in OBJECT_URLS.items() if write))
def test_inspector_cannot_write_on_any_page(org, objects, name):
    from django.urls import reverse

    before = (
        Unit.objects.count(),
        Person.objects.count(),
        DutyNumberFiling.objects.filter(acknowledged_at=None).count(),
    )
    url = reverse(name, args=OBJECT_URLS[name][0](objects))
    response = org.client(org.inspector).post(url, {"name": "x", "number": "1", "new_number": "1"})
    # a report not yet sent is not even read by an inspector (nor by the office above): 404
    assert response.status_code == (404 if name in UNSENT_REPORT_PAGES else 403)
    after = (
        Unit.objects.count(),
        Person.objects.count(),
        DutyNumberFiling.objects.filter(acknowledged_at=None).count(),
    )
    assert after == before


def test_rule_B3_superior_duty_office_reads_whole_subtree(org, objects):
    client = org.client(org.city_admin)
    for name in ("unit_detail", "person_detail", "contact_detail", "filing_detail"):
        from django.urls import reverse

        url = reverse(name, args=OBJECT_URLS[name][0](objects))
        assert client.get(url).status_code == 200, name


def test_rule_B3_county_cannot_read_its_superior_units_people(org):
    client = org.client(org.officer)
    assert client.get(f"/org/people/{org.city_admin.pk}/").status_code == 404
    assert client.get(f"/org/units/{org.city.pk}/").status_code == 404
    assert client.get(f"/org/people/{org.deputy.pk}/").status_code == 200  # its own unit's it reads
    assert client.get(f"/org/units/{org.county.pk}/").status_code == 200


def test_inspector_reads_subtree(org, objects):
    client = org.client(org.inspector)
    assert client.get(f"/org/people/{org.officer.pk}/").status_code == 200
    assert client.get(f"/org/units/{org.county.pk}/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/org/units/new/",
        "/org/people/new/",
        "/org/contacts/new/",
        "/org/duty-lines/new/",
        "/org/duty-lines/change-24h/",
        "/org/units/import/",
        "/org/people/import/",
    ],
)
def test_inspector_cannot_open_create_pages(org, path):
    assert org.client(org.inspector).post(path, {}).status_code == 403
    assert org.client(org.county_admin).get(path).status_code == 200  # the page is there for its admins


def test_lists_show_only_the_scope(org, objects):
    response = org.client(org.sibling_officer).get("/org/people/?scope=all")
    names = {p.name for p in response.context["page"]}
    assert org.sibling_officer.name in names and org.officer.name not in names
    response = org.client(org.sibling_officer).get("/org/contacts/?q=dong")
    county_contacts = set(Contact.objects.filter(unit=org.county).values_list("pk", flat=True))
    assert county_contacts and not county_contacts & set(listed_contacts(response))


def test_switch_page_lists_only_the_subtree(org):
    page = org.client(org.county_admin).get("/switch-unit/")
    assert {u.pk for u in page.context["page"]} == {org.county.pk, org.township.pk}


def test_switching_to_a_sibling_unit_is_refused(org):
    client = org.client(org.sibling_officer)
    assert client.post("/switch-unit/", {"unit": org.county.pk}).status_code == 404
    assert client.get("/").context["unit"] == org.sibling  # still working as its own unit


def test_superior_switches_to_a_unit_of_its_subtree(org):
    client = org.client(org.city_admin)
    client.post("/switch-unit/", {"unit": org.county.pk})
    assert client.get("/").context["unit"] == org.county


API_OBJECT_PATHS = {
    "/api/v1/units/{unit_id}": lambda o: f"/api/v1/units/{o['unit'].pk}",
    "/api/v1/units/{unit_id}/policy": lambda o: f"/api/v1/units/{o['unit'].pk}/policy",
    "/api/v1/people/{person_id}": lambda o: f"/api/v1/people/{o['person'].pk}",
    "/api/v1/contacts/{contact_id}": lambda o: f"/api/v1/contacts/{o['contact'].pk}",
    "/api/v1/units/{unit_id}/on-duty": lambda o: f"/api/v1/units/{o['unit'].pk}/on-duty",
    "/api/v1/rosters/{roster_id}": lambda o: f"/api/v1/rosters/{o['roster'].pk}",
    "/api/v1/calls/{call_id}": lambda o: f"/api/v1/calls/{o['call'].pk}",
    "/api/v1/units/{unit_id}/calls": lambda o: f"/api/v1/units/{o['unit'].pk}/calls",
    "/api/v1/units/{unit_id}/events": lambda o: f"/api/v1/units/{o['unit'].pk}/events",
    "/api/v1/events/{event_id}": lambda o: f"/api/v1/events/{o['event'].pk}",
    "/api/v1/units/{unit_id}/spot-checks": lambda o: f"/api/v1/units/{o['unit'].pk}/spot-checks",
    "/api/v1/roll-calls/{roll_call_id}": lambda o: f"/api/v1/roll-calls/{o['county_call'].pk}",
}


API_POST_ONLY = {
    "/api/v1/units/{unit_id}/spot-checks": {"number": "0558-1", "rang_at": "2026-03-05T09:00:00+08:00"},
    "/api/v1/units/{unit_id}/calls": {"number": "0558-1", "rang_at": "2026-03-05T09:00:00+08:00"},
    "/api/v1/units/{unit_id}/events": {
        "title": "x",
        "category": "natural",
        "known_at": "2026-03-05T09:00:00+08:00",
        "place": "x",
        "summary": "x",
    },
}


API_LISTS = {"/api/v1/units", "/api/v1/people", "/api/v1/contacts", "/api/v1/me"}


def _token(person) -> str:
    return ApiToken.issue(person.user, "test")[1]


def test_every_api_path_is_in_the_access_table():
    paths = set(api.get_openapi_schema()["paths"])
    assert paths == set(API_OBJECT_PATHS) | API_LISTS


@pytest.mark.parametrize("path", sorted(API_OBJECT_PATHS))
def test_rule_B3_api_sibling_unit_gets_404(org, objects, client, path):
    url = API_OBJECT_PATHS[path](objects)
    headers = {"Authorization": f"Bearer {_token(org.sibling_officer)}"}
    if path in API_POST_ONLY:
        response = client.post(url, API_POST_ONLY[path], content_type="application/json", headers=headers)
    else:
        response = client.get(url, headers=headers)
    assert response.status_code == 404
    assert response.json()["detail"]
    if path == "/api/v1/people/{person_id}":
        response = client.patch(url, {"name": "改名"}, content_type="application/json", headers=headers)
        assert response.status_code == 404


def test_api_inspector_cannot_write(org, objects, client):
    headers = {"Authorization": f"Bearer {_token(org.inspector)}"}
    response = client.patch(
        f"/api/v1/people/{org.officer.pk}", {"name": "改名"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/people",
        {"name": "新人", "gender": "M", "unit_id": org.county.pk},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 403
    org.officer.refresh_from_db()
    assert org.officer.name == "林海燕"


def test_api_lists_are_scoped(org, objects, client):
    headers = {"Authorization": f"Bearer {_token(org.sibling_officer)}"}
    units = client.get("/api/v1/units?limit=100", headers=headers).json()["items"]
    assert {u["id"] for u in units} == {org.sibling.pk}
    people = client.get("/api/v1/people?limit=100", headers=headers).json()["items"]
    assert org.officer.pk not in {p["id"] for p in people}


def test_api_without_token_is_refused(db, client):
    assert client.get("/api/v1/units").status_code == 401
    assert client.get("/api/v1/units", headers={"Authorization": "Bearer zb_wrong"}).status_code == 401


def test_api_revoked_token_is_refused(org, client):
    token, key = ApiToken.issue(org.officer.user, "exchange")
    from django.utils import timezone

    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {key}"}).status_code == 401


DUTY_RECORD_URLS = [
    "call_detail",
    "visit_detail",
    "document_detail",
    "matter_detail",
    "instruction_detail",
    "shift_detail",
    "shift_log_docx",
    "entry_detail",
    "event_detail",
    "report_detail",
    "report_word",
    "verification_detail",
]


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "audit_admin"])
def test_rule_A2_7_B15_the_three_system_administrators_read_no_duty_records(org, objects, client, role):
    """三员 run the platform and see every unit; the duty records are not theirs to read."""
    from django.urls import reverse

    from tests.factories import make_system_user

    sign_in(client, make_system_user(role))
    for name in DUTY_RECORD_URLS:
        url = reverse(name, args=OBJECT_URLS[name][0](objects))
        assert client.get(url).status_code == 404, url
    for url in ("/duty/", "/intake/calls/", "/incidents/"):
        assert client.get(url).status_code == 403, url
    officer = org.client(org.officer)  # the unit's duty officer reads every one of them
    for name in DUTY_RECORD_URLS:
        assert officer.get(reverse(name, args=OBJECT_URLS[name][0](objects))).status_code == 200, name
