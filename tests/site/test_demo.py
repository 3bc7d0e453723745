"""`manage.py demo` builds a realistic city once, run as a real city runs it; `gen_scale` builds benchmark data."""

from __future__ import annotations

from django.core.management import call_command
from django.test import Client

from tests.helpers import sign_in
from zhiban.incidents.models import Event, Report
from zhiban.intake.models import Call
from zhiban.org.models import Contact, DutyNumberFiling, Person, Unit
from zhiban.org.training import clearance_problem
from zhiban.roster import demo_data
from zhiban.roster.models import (
    Assignment,
    Roster,
)


def test_demo_builds_the_city_once(db, capsys):
    call_command("demo")
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert kinds == {"city", "county", "zone", "township", "department"}
    assert Unit.objects.filter(kind="department").count() >= 3
    assert 55 <= Person.objects.count() <= 80
    out = capsys.readouterr().out
    assert "admin / " in out
    call_command("demo")
    assert "already loaded" in capsys.readouterr().out
    assert Unit.objects.count() == 8
    # rosters: last month and this month published, next month a draft
    published = Roster.objects.filter(state=Roster.State.PUBLISHED)
    assert published.count() >= 8 and Roster.objects.filter(state=Roster.State.DRAFT).exists()
    assert Assignment.objects.filter(roster__in=published).exists()
    assert_a_newcomer_logs_in_with_what_the_demo_prints(out, capsys)


def assert_a_newcomer_logs_in_with_what_the_demo_prints(out, capsys):
    """`make run` prints the admin's password and the demo authenticator's secret; `totp_code` gives
    the code without a phone. Both factors, as a newcomer takes them."""
    from zhiban.org.demo_data import DEMO_PASSWORD, DEMO_TOTP_SECRET

    assert DEMO_TOTP_SECRET[:4] in out and "totp_code admin" in out
    client = Client()
    client.post("/login/", {"username": "admin", "password": DEMO_PASSWORD})
    call_command("totp_code", "admin")
    code = capsys.readouterr().out.strip()
    assert client.post("/login/verify/", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200


def test_demo_shows_the_rules_at_work(db):
    from django.utils import timezone

    call_command("demo")
    today = timezone.localdate()
    problems = [clearance_problem(p, today) for p in Person.objects.filter(roles__role="duty_staff")]
    assert any(p and "岗前培训" in p for p in problems)  # B16: a newcomer
    assert any(p and "个月内" in p for p in problems)  # B16: lapsed training
    assert DutyNumberFiling.objects.filter(acknowledged_at=None).exists()  # B23
    assert Contact.objects.filter(numbers__internal_only=True).exists()  # A1.7
    from django.test import Client

    client = Client()  # B22: a failing gateway in the delivery log, as the officer and the admin see it
    sign_in(client, Person.objects.get(user__username="donghu_admin").user)
    assert "无法连接：连接超时" in client.get("/notices/channels/").content.decode()
    from zhiban.notify.models import Notice

    warning = Notice.objects.get(person__user__username="donghu_admin", text__contains="台风")
    newer = Notice.objects.filter(person=warning.person, created_at__gt=warning.created_at).count()
    page = client.get(f"/notices/?page={newer // 50 + 1}").content.decode()
    assert "台风" in page and "已尝试3次" in page and "电子邮件" in page


def test_demo_has_a_month_of_duty_with_the_shift_in_progress(db):
    from django.utils import timezone

    from zhiban.intake.models import Matter
    from zhiban.shifts.models import Handover, Shift

    call_command("demo")
    assert Call.objects.count() >= 200 and Matter.objects.filter(state="open").exists()
    assert Matter.objects.filter(state="closed").exists()
    signed = Handover.objects.exclude(signed_at=None)
    assert signed.count() >= 50 and all(h.outgoing_signer_id != h.incoming_signer_id for h in signed[:50])
    now = timezone.now()
    assert Shift.objects.filter(state="open", start__lte=now, end__gt=now).exists()


def test_demo_duty_pages_render_for_the_city_office(db):
    from django.test import Client

    from zhiban.org.models import User
    from zhiban.shifts.models import Shift

    call_command("demo")
    client = Client()
    sign_in(client, User.objects.get(username="admin"))
    for url in (
        "/duty/",
        "/intake/calls/",
        "/intake/notices/",
        "/intake/visits/",
        "/intake/documents/",
        "/intake/matters/",
        "/intake/instructions/",
        "/intake/calls/new/",
        "/duty/equipment/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    closed = Shift.objects.filter(state="closed", unit__kind="city").order_by("-start").first()
    log = client.get(f"/duty/shifts/{closed.pk}/").content.decode()
    assert "交班人" in log and "值班情况" in log
    assert "地质灾害隐患点巡查通知" in client.get("/intake/notices/?kind=unfinished").content.decode()  # B11
    manual = client.get("/incidents/manual/").content.decode()  # B25: the city's manual, every section
    assert manual.count("本单位规定") == 5 and "尚未编写" not in manual
    assert client.get(f"/duty/shifts/{closed.pk}/log.docx").status_code == 200


def test_demo_has_a_reported_event_and_one_whose_deadline_is_running(db):
    from zhiban.incidents.models import Deadline, Lapse, VerificationRequest

    call_command("demo")
    assert Event.objects.filter(state="closed", reports__kind="final").exists()
    assert Lapse.objects.filter(kind="late", what="phone").exists()  # the flood's phone report was late
    assert Deadline.objects.filter(event__state="open", kind="written", met_at=None).exists()
    assert VerificationRequest.objects.filter(phone_replied_at=None).exists()
    # B21: the landslide's phone report was entered after its deadline, and only it is marked
    assert list(Report.objects.filter(backfilled=True).values_list("kind", "channel")) == [("first", "phone")]


def test_rule_B21_B19_the_demo_shows_the_second_round_of_emergency_information(db):
    from zhiban.incidents.models import ChaseUp, EventStep, ExternalOffice, ReportingRule

    call_command("demo")
    upgraded = EventStep.objects.get(kind="regraded")
    assert upgraded.text.startswith("由较大（III级）升级为重大（II级）")
    assert upgraded.event.deadline_set.filter(reason__startswith="升级为重大").count() == 2
    waiting = Report.objects.get(state="pending")
    assert waiting.signer.user.username == "city_leader" and waiting.to_external.name == "省政府总值班室"
    assert ChaseUp.objects.filter(to_unit__short_name="西山县").exists()
    assert Event.objects.filter(same_as__isnull=False).count() == 1
    assert ExternalOffice.objects.filter(unit__parent=None).count() == 2
    assert ReportingRule.objects.filter(subkind="生产安全事故").exists()
    assert Report.objects.filter(
        forwarded_from__isnull=False, to_external__isnull=False, means="fax"
    ).exists()
    leader = Client()
    sign_in(leader, waiting.signer.user)
    desk = leader.get("/duty/").content.decode()
    assert "待签发、待报出的报告" in desk and waiting.event.title in desk
    county = Client()
    sign_in(county, Person.objects.get(user__username="xishan_officer").user)
    assert "市政府催报" in county.get("/duty/").content.decode()


def test_rule_B8_the_demo_has_a_leader_on_every_shift_and_the_city_leader_sees_their_duty(db, monkeypatch):
    from django.core.management import call_command

    from zhiban.roster.models import Assignment, Post, Roster

    monkeypatch.setattr(demo_data, "DEMO_SOLVER_SECONDS", 0.5)
    call_command("demo")
    published = Assignment.objects.filter(roster__state=Roster.State.PUBLISHED)
    shifts = set(published.values_list("roster_id", "day", "start"))
    led = set(published.filter(post=Post.LEADER).values_list("roster_id", "day", "start"))
    assert shifts and led == shifts
    client = Client()
    sign_in(client, Person.objects.get(user__username="city_leader").user)
    page = client.get("/roster/mine/").content.decode()
    assert published.filter(person__user__username="city_leader").exists() and "带班" in page
    assert "至 次日08:30" in page  # a night or 24-hour shift ends the next day, and says so


def test_rule_A2_8_B17_the_demo_shows_a_month_of_supervision(db):
    from zhiban.supervision.models import (
        Appeal,
        Circular,
        Commendation,
        LedgerEntry,
        Rectification,
        RollCall,
        RollCallSchedule,
        SpotCheck,
    )

    call_command("demo")
    assert SpotCheck.objects.count() >= 50 and SpotCheck.objects.filter(absent=True).exists()
    call = RollCall.objects.get()
    results = {t.result() for t in call.targets.all()}
    assert {"answered", "late", "missed", "unstaffed"} <= results and RollCallSchedule.objects.get().active
    circular = Circular.objects.get(state="published")
    states = set(Rectification.objects.filter(problem__circular=circular).values_list("state", flat=True))
    assert states == {"open", "reported", "accepted"}  # half done
    assert any(r.overdue() for r in Rectification.objects.all())
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert {"late_report", "absence", "concealed_report"} <= kinds
    assert Appeal.objects.filter(upheld=True).exists() and Appeal.objects.filter(decided_at=None).exists()
    assert Commendation.objects.exists()
    client = sign_in(Client(), Person.objects.get(user__username="admin").user)
    for url in (
        "/supervision/",
        "/supervision/statistics/",
        f"/supervision/roll-calls/{call.pk}/",
        "/supervision/ledger/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_demo_personas_desks_have_something_to_act_on(db, capsys):
    """Issue 16: signed in as a demo persona, the desk is at work: an event running with its countdown,
    a report for the leader to sign off, a swap and an exemption for the administrators to approve, a
    notice for the officer to have read back, and the city duty room's wall display registered, its
    printed link showing the board without a login."""
    import re

    from zhiban.shifts.models import WallDisplay

    call_command("demo")
    printed = re.search(r"http://127\.0\.0\.1:8000(/board/display/\S+/)", capsys.readouterr().out).group(1)

    def desk(username: str) -> str:
        client = sign_in(Client(), Person.objects.get(user__username=username).user)
        return client.get("/").content.decode()

    admin = desk("admin")
    assert "市区强降雨城市内涝" in admin and 'class="countdown' in admin  # running, counting down
    assert "替班" in admin and "待值班室审批" in admin  # a swap for the city's duty office
    assert "申请免值班" in desk("donghu_admin") and "待值班室备案" in desk("donghu_admin")
    assert "待我签发的报告" in desk("city_leader")
    officer = desk("donghu_officer")
    assert "待复述的电话通知" in officer and "地质灾害隐患点巡查通知" in officer
    shown = WallDisplay.objects.get(revoked_at=None)
    assert shown.unit.short_name == "市政府" and WallDisplay.objects.exclude(revoked_at=None).exists()
    board = Client().get(printed)
    assert board.status_code == 200 and "市区强降雨城市内涝" in board.content.decode()
    links = sign_in(Client(), Person.objects.get(user__username="admin").user).get("/board/displays/")
    assert "总值班室东墙大屏" in links.content.decode() and "已停用" in links.content.decode()
