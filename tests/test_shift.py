"""The shift (issue 5): calls, notices, visits, documents, matters, instructions, check-in, leave,
handover and the duty log, each rule by its id; and a whole day of duty run end to end."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document as WordDocument

from tests.factories import make_assignment, make_contact, make_person
from tests.shift_fixtures import DAY, PASSWORD, at, call_data, prepare, sign, travel
from zhiban.intake import services as intake
from zhiban.intake.jobs import try_remind_feedback_one, try_remind_matter_one
from zhiban.intake.models import Call, Document, Instruction, Matter, MatterStep, PhoneNotice, Visit
from zhiban.notify.models import Notice
from zhiban.org.models import DutyPolicy
from zhiban.shifts import services
from zhiban.shifts.jobs import try_open_shift_one, try_watch_arrival_one
from zhiban.shifts.log import duty_log
from zhiban.shifts.models import CheckIn, Equipment, Handover, Leave, Shift

pytestmark = pytest.mark.usefixtures("on_the_day")


# --- calls ---------------------------------------------------------------------------------------------
def test_rule_A1_3_B11_call_record_keeps_every_field_and_the_receiver(org, duty):
    client = org.client(org.officer)
    with travel(at(9, 12)):
        response = client.post("/intake/calls/new/", call_data())
    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/intake/calls/{call.pk}/"
    assert (call.number, call.name, call.organisation, call.position) == (
        "0558-2222333",
        "王建华",
        "青石镇政府",
        "党政办主任",
    )
    assert (call.content_when, call.content_where, call.content_what, call.content_why) == (
        "今日8时50分",
        "S203线K12处",
        "山体滑坡，道路中断",
        "连日降雨",
    )
    assert call.at == at(9, 10) and call.taken_by == org.officer and call.unit == org.county
    page = client.get(f"/intake/calls/{call.pk}/").content.decode()
    assert "何地：S203线K12处" in page and "林海燕" in page


def test_rule_A1_3_call_with_no_number_and_no_caller_is_refused_and_nothing_saved(org, duty):
    response = org.client(org.officer).post(
        "/intake/calls/new/", call_data(number="", name="", organisation="", position="")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "请填写电话号码或对方姓名、单位，至少一项" in page
    assert "青石镇S203线K12处山体滑坡" in page  # what was typed is kept
    assert Call.objects.count() == 0


def test_rule_B11_caller_is_filled_from_the_directory_then_from_earlier_calls(org, duty):
    make_contact(
        org.county,
        "赵志明",
        numbers=[("office", "0558-3333444", False)],
        organisation="县水利局",
        position="局长",
    )
    client = org.client(org.officer)
    from_directory = client.get("/intake/calls/lookup/", {"number": "0558-3333444"}).content.decode()
    assert 'value="赵志明"' in from_directory and 'value="县水利局"' in from_directory
    assert "已从通讯录带出" in from_directory
    Call.objects.create(unit=org.county, number="0558-9999000", name="钱多多", organisation="东湖中学")
    earlier = client.get("/intake/calls/lookup/", {"number": "0558-9999000"}).content.decode()
    assert 'value="钱多多"' in earlier and "来电记录" in earlier
    typed = client.get("/intake/calls/lookup/", {"number": "0558-9999000", "name": "孙某"}).content.decode()
    assert 'value="孙某"' in typed and "钱多多" not in typed  # what the officer typed is never overwritten


@travel(at(9, 12))  # the times the test states have happened
def test_rule_A1_5_a_policy_question_taken_to_a_leader_shows_who_and_the_answer(org, duty):
    client = org.client(org.officer)
    missing = client.post("/intake/calls/new/", call_data(handling="escalated"))
    assert "请示领导后答复的，请选择请示的领导" in missing.content.decode()
    assert Call.objects.count() == 0
    client.post(
        "/intake/calls/new/",
        call_data(
            handling="escalated", leader=org.county_leader.pk, leader_answer="请交通局立即设置绕行标志"
        ),
    )
    call = Call.objects.get()
    assert call.handling == Call.Handling.ESCALATED and call.leader == org.county_leader
    page = client.get(f"/intake/calls/{call.pk}/").content.decode()
    assert "请示领导后答复（请示曾志强）" in page and "请交通局立即设置绕行标志" in page


@travel(at(9, 12))  # the times the test states have happened
def test_rule_A1_7_a_caller_asking_for_a_leaders_number_is_recorded_and_the_leader_told(org, duty):
    make_contact(
        org.county,
        "曾志强",
        numbers=[("mobile", "13912345678", True)],
        person=org.county_leader,
        kind="leader",
    )
    client = org.client(org.officer)
    form = client.get("/intake/calls/new/").content.decode()
    assert "13912345678" not in form  # no personal number on the call screen
    client.post(
        "/intake/calls/new/",
        call_data(asked_for=org.county_leader.pk, asked_intent="反映征地补偿问题，要求面谈"),
    )
    call = Call.objects.get()
    notice = Notice.objects.get(person=org.county_leader)
    assert "反映征地补偿问题" in notice.text and "未提供号码" in notice.text
    page = client.get(f"/intake/calls/{call.pk}/").content.decode()
    assert "13912345678" not in page and "询问曾志强的电话" in page


@travel(at(10, 30))  # the times the test states have happened
def test_rule_B11_phone_notice_records_each_recipient_read_back_and_fax(org, duty):
    client = org.client(org.officer)
    response = client.post(
        "/intake/notices/new/",
        {"title": "防汛紧急通知", "text": "今晚有暴雨，请各镇做好防范", "at": "2026-03-05T10:00"},
    )
    notice = PhoneNotice.objects.get()
    assert response["Location"] == f"/intake/notices/{notice.pk}/"
    bad = client.post(
        f"/intake/notices/{notice.pk}/",
        {
            "organisation": "青石镇",
            "name": "李镇长",
            "number": "0558-5550001",
            "at": "2026-03-05T10:05",
            "read_back_by": "李镇长",
        },
    )
    assert "请填写复述核对时间" in bad.content.decode() and notice.calls.count() == 0
    client.post(
        f"/intake/notices/{notice.pk}/",
        {
            "organisation": "青石镇",
            "name": "李镇长",
            "number": "0558-5550001",
            "at": "2026-03-05T10:05",
            "read_back_by": "李镇长",
            "read_back_at": "2026-03-05T10:06",
            "faxed": "on",
        },
    )
    recipient = notice.calls.get()
    assert recipient.direction == Call.Direction.OUTGOING and recipient.content == notice.text
    assert recipient.read_back_by == "李镇长" and recipient.read_back_at == at(10, 6) and recipient.faxed
    assert "李镇长 2026年3月5日" in client.get(f"/intake/notices/{notice.pk}/").content.decode()


@travel(at(10, 30))  # the times the test states have happened
def test_rule_B11_a_read_back_that_came_later_is_recorded_on_the_notice(org, duty):
    client = org.client(org.officer)
    client.post(
        "/intake/notices/new/", {"title": "防汛紧急通知", "text": "今晚有暴雨", "at": "2026-03-05T10:00"}
    )
    notice = PhoneNotice.objects.get()
    client.post(
        f"/intake/notices/{notice.pk}/",
        {"organisation": "青石镇", "name": "李镇长", "number": "0558-5550001", "at": "2026-03-05T10:05"},
    )
    recipient = notice.calls.get()
    assert "未复述" in client.get(f"/intake/notices/{notice.pk}/").content.decode()
    url, field = f"/intake/notices/{notice.pk}/", f"rb{recipient.pk}"
    missing = client.post(url, {"read_back_of": recipient.pk, f"{field}-read_back_at": "2026-03-05T10:20"})
    assert missing.status_code == 400 and "这个字段是必填项" in missing.content.decode()
    early = client.post(
        url,
        {
            "read_back_of": recipient.pk,
            f"{field}-read_back_by": "李镇长",
            f"{field}-read_back_at": "2026-03-05T09:00",
        },
    )
    assert early.status_code == 400 and "复述核对时间不能早于通知时间" in early.content.decode()
    recipient.refresh_from_db()
    assert recipient.read_back_by == "" and recipient.read_back_at is None
    client.post(
        url,
        {
            "read_back_of": recipient.pk,
            f"{field}-read_back_by": "李镇长",
            f"{field}-read_back_at": "2026-03-05T10:20",
        },
    )
    recipient.refresh_from_db()
    assert (recipient.read_back_by, recipient.read_back_at) == ("李镇长", at(10, 20))
    assert client.post(url, {"read_back_of": "99999999999999999999999"}).status_code == 404
    assert notice.calls.count() == 1  # recording a read-back adds no recipient


def test_rule_B11_a_notice_not_yet_read_back_is_listed_as_such_and_shown_on_the_desk(org, duty):
    client = org.client(org.officer)

    def notice(title: str, *recipients: tuple[str, str], day: str = "2026-03-05") -> PhoneNotice:
        client.post("/intake/notices/new/", {"title": title, "text": "请做好防范", "at": f"{day}T10:00"})
        made = PhoneNotice.objects.get(title=title)
        for name, read_back_at in recipients:
            data = {
                "organisation": "青石镇",
                "name": name,
                "number": "0558-5550001",
                "at": "2026-03-05T10:05",
            }
            if read_back_at:
                data.update(read_back_by=name, read_back_at=read_back_at)
            client.post(f"/intake/notices/{made.pk}/", data)
        assert made.calls.count() == len(recipients)
        return made

    with travel(at(10, 30)):
        notice("防汛通知丁", day="2026-03-01")  # days ago, never confirmed: still on the desk
        notice("防汛通知甲")  # saved before its first recipient
        notice("防汛通知乙", ("李镇长", "2026-03-05T10:06"), ("王书记", ""))
        notice("防汛通知丙", ("张主任", "2026-03-05T10:07"))
        every = client.get("/intake/notices/").content.decode()
        unfinished = client.get("/intake/notices/?unfinished=1").content.decode()
        desk = client.get("/duty/").content.decode()
        found = client.get("/intake/notices/?unfinished=1&q=乙").content.decode()
    assert "防汛通知乙" in found and "防汛通知甲" not in found and "防汛通知丙" not in found
    assert all(title in every for title in ("防汛通知甲", "防汛通知乙", "防汛通知丙"))
    assert "尚未登记" in every and "1 个待复述" in every and "全部已复述" in every
    assert "防汛通知甲" in unfinished and "防汛通知乙" in unfinished and "防汛通知丙" not in unfinished
    pending = desk[desk.index("<h2>待复述的电话通知") : desk.index("<h2>未办结事项")]
    assert "防汛通知甲" in pending and "尚未登记通知对象" in pending and "防汛通知丁" in pending
    assert "防汛通知乙" in pending and "1 / 2 个通知对象未复述" in pending and "防汛通知丙" not in pending
    assert "防汛通知" not in org.client(org.sibling_officer).get("/intake/notices/").content.decode()


@travel(at(10, 30))  # the times the test states have happened
def test_rule_B11_a_read_back_time_without_the_person_who_repeated_it_is_refused(org, duty):
    client = org.client(org.officer)
    client.post("/intake/notices/new/", {"title": "防汛通知", "text": "请做好防范", "at": "2026-03-05T10:00"})
    notice = PhoneNotice.objects.get()
    response = client.post(
        f"/intake/notices/{notice.pk}/",
        {
            "organisation": "青石镇",
            "name": "李镇长",
            "at": "2026-03-05T10:05",
            "read_back_at": "2026-03-05T10:06",
        },
    )
    assert response.status_code == 400 and "请填写复述人" in response.content.decode()
    assert notice.calls.count() == 0


def test_rule_A1_3_B11_a_call_notice_or_read_back_later_than_now_or_out_of_order_is_refused(org, duty):
    client = org.client(org.officer)
    with travel(at(10, 30)):
        call = client.post("/intake/calls/new/", call_data(at="2030-05-01T09:10"))
        assert "不能晚于现在" in call.content.decode() and Call.objects.count() == 0
        notice = client.post(
            "/intake/notices/new/", {"title": "防汛通知", "text": "请防范", "at": "2030-01-01T10:00"}
        )
        assert "不能晚于现在" in notice.content.decode() and not PhoneNotice.objects.exists()
        client.post("/intake/notices/new/", {"title": "防汛通知", "text": "请防范", "at": "2026-03-05T10:00"})
        made = PhoneNotice.objects.get()
        recipient = {"organisation": "青石镇", "name": "李镇长", "read_back_by": "李镇长"}
        cases = [
            ({"at": "2026-03-05T10:05", "read_back_at": "2035-03-05T10:06"}, "不能晚于现在"),
            ({"at": "2026-03-05T10:05", "read_back_at": "2026-03-05T10:01"}, "复述核对时间不能早于通知时间"),
            (
                {"at": "2026-03-05T09:55", "read_back_at": "2026-03-05T10:06"},
                "通知时间不能早于这条电话通知的时间",
            ),
        ]
        for times, message in cases:
            refused = client.post(f"/intake/notices/{made.pk}/", {**recipient, **times})
            assert refused.status_code == 400 and message in refused.content.decode(), message
        assert made.calls.count() == 0
        for url, data in [
            (
                "/intake/visits/new/",
                {
                    "name": "刘大伟",
                    "identity": "村民",
                    "people": 1,
                    "purpose": "反映问题",
                    "arrived_at": "2026-03-05T10:00",
                    "left_at": "2027-01-01T10:00",
                },
            ),
            (
                "/intake/documents/new/",
                {
                    "kind": "fax",
                    "sender": "市应急局",
                    "title": "通知",
                    "urgency": "normal",
                    "pages": 1,
                    "received_at": "2026-03-06T10:00",
                },
            ),
            (
                "/intake/instructions/new/",
                {"leader": org.county_leader.pk, "given_at": "2027-03-05T10:00", "text": "请加强巡查"},
            ),
        ]:
            assert "不能晚于现在" in client.post(url, data).content.decode(), url
    assert not Visit.objects.exists() and not Document.objects.exists() and not Instruction.objects.exists()


# --- visits and documents --------------------------------------------------------------------------------
@travel(at(14, 5))  # the times the test states have happened
def test_rule_A1_6_a_visitor_is_recorded_reported_to_a_leader_and_arranged(org, duty):
    client = org.client(org.officer)
    client.post(
        "/intake/visits/new/",
        {
            "name": "刘大伟",
            "identity": "东湖村村民",
            "people": 2,
            "purpose": "反映村道损毁",
            "arrived_at": "2026-03-05T14:00",
            "reported_to": org.county_leader.pk,
            "arrangement": "请交通局派人接待",
            "open_matter": "on",
        },
    )
    visit = Visit.objects.get()
    assert visit.reported_to == org.county_leader and visit.received_by == org.officer
    matter = visit.matters.get()
    assert matter.owner == org.officer and matter.source == Matter.Source.VISIT
    client.post(
        f"/intake/visits/{visit.pk}/edit/",
        {
            "name": "刘大伟",
            "identity": "东湖村村民",
            "people": 2,
            "purpose": "反映村道损毁",
            "arrived_at": "2026-03-05T14:00",
            "reported_to": org.county_leader.pk,
            "arrangement": "请交通局派人接待",
            "left_at": "2026-03-05T13:00",
        },
    )
    visit.refresh_from_db()
    assert visit.left_at is None  # leaving before arriving is refused


def test_rule_A1_10_an_urgent_fax_goes_to_the_leader_at_once_and_collection_is_recorded(org, duty):
    client = org.client(org.officer)
    with travel(at(11)):
        client.post(
            "/intake/documents/new/",
            {
                "kind": "fax",
                "sender": "市政府办公室",
                "number": "示政办传〔2026〕8号",
                "title": "关于做好强降雨防范工作的紧急通知",
                "classification": "public",
                "urgency": "extra",
                "pages": 3,
                "received_at": "2026-03-05T10:58",
            },
        )
    document = Document.objects.get()
    assert document.handler == org.officer and document.forwarded_at == at(11)
    assert Notice.objects.filter(person=org.county_leader, text__contains="强降雨防范").exists()
    client.post(f"/intake/documents/{document.pk}/collections/", {"c-department": "县应急管理局"})
    collection = document.collections.get()
    client.post(f"/intake/documents/{document.pk}/collections/{collection.pk}/", {"collected_by": "陈刚"})
    collection.refresh_from_db()
    assert collection.collected_by == "陈刚" and collection.collected_at is not None
    client.post(
        f"/intake/documents/{document.pk}/", {"h-handling": "已转县应急局落实", "h-reported_back": "on"}
    )
    document.refresh_from_db()
    assert document.reported_back_at is not None and document.handling == "已转县应急局落实"


def test_rule_A2_7_B15_a_secret_document_is_not_shown_to_the_superior_office(org, duty):
    document = Document.objects.create(
        unit=org.county, sender="县委办", title="内部敏感事项", classification="secret", handler=org.officer
    )
    assert org.client(org.officer).get(f"/intake/documents/{document.pk}/").status_code == 200
    assert org.client(org.city_admin).get(f"/intake/documents/{document.pk}/").status_code == 404


# --- matters ----------------------------------------------------------------------------------------------
@travel(at(9, 12))  # the times the test states have happened
def test_rule_B12_A1_11_the_first_receiver_owns_a_matter_until_closed_and_only_by_transfer(org, duty):
    client = org.client(org.officer)
    client.post("/intake/calls/new/", call_data(open_matter="on"))
    matter = Matter.objects.get()
    assert matter.owner == org.officer and matter.call == Call.objects.get()
    deputy = org.client(org.deputy)
    page = deputy.get(f"/intake/matters/{matter.pk}/").content.decode()  # forms he may use, and who may act
    assert "记录进展" in page and "移交责任人" not in page and "办结须由首接责任人林海燕办理" in page
    assert "移交责任人" in org.client(org.county_leader).get(f"/intake/matters/{matter.pk}/").content.decode()
    refused = deputy.post(f"/intake/matters/{matter.pk}/close/", {"x-result": "已处理"})
    assert "只有首接责任人可以办结事项" in refused.content.decode()
    no_reason = client.post(f"/intake/matters/{matter.pk}/transfer/", {"t-to": org.deputy.pk, "t-reason": ""})
    assert no_reason.status_code == 400
    matter.refresh_from_db()
    assert matter.owner == org.officer and matter.is_open
    client.post(
        f"/intake/matters/{matter.pk}/transfer/",
        {"t-to": org.deputy.pk, "t-reason": "本人调休，由单晓东接办"},
    )
    matter.refresh_from_db()
    assert matter.owner == org.deputy
    step = matter.steps.get(kind=MatterStep.Kind.TRANSFER)
    assert (step.by, step.to, step.text) == (org.officer, org.deputy, "本人调休，由单晓东接办")
    assert Notice.objects.filter(person=org.deputy, text__contains="事项移交给您").exists()


def test_rule_B12_closing_a_matter_without_a_result_is_refused_and_nothing_changes(org, duty):
    matter = intake.matter_open(org.county, org.officer, "S203线道路中断")
    response = org.client(org.officer).post(f"/intake/matters/{matter.pk}/close/", {"x-result": "  "})
    assert response.status_code == 400 and "办结事项须填写办理结果" in response.content.decode()
    matter.refresh_from_db()
    assert matter.is_open and matter.closed_at is None and not matter.steps.filter(kind="closed").exists()


def test_rule_B12_a_mayor_hotline_ticket_needs_its_number_due_date_and_reply(org, duty):
    client = org.client(org.officer)
    missing = client.post("/intake/matters/new/", {"title": "小区停水", "source": "hotline"})
    page = missing.content.decode()
    assert "县长热线事项须填写工单号" in page and "县长热线工单须填写办理时限" in page
    ticket = {"title": "小区停水", "source": "hotline", "ticket_number": "RX20260305001"}
    late = client.post(
        "/intake/matters/new/", {**ticket, "ticket_number": "RX20260304009", "due_at": "2026-03-04T17:00"}
    )
    late_ticket = Matter.objects.get(ticket_number="RX20260304009")  # entered late, its due date passed: kept
    assert late.status_code == 302 and late_ticket.overdue
    assert "已超时限" in client.get(f"/intake/matters/{late_ticket.pk}/").content.decode()
    client.post(
        "/intake/matters/new/",
        {
            "title": "小区停水",
            "source": "hotline",
            "ticket_number": "RX20260305001",
            "due_at": "2026-03-07T17:00",
        },
    )
    ticket = Matter.objects.get(ticket_number="RX20260305001")
    assert not ticket.overdue
    with travel(at(17, 1, DAY + dt.timedelta(days=2))):  # open past its due date: marked on the list
        assert "已超时限" in org.client(org.officer).get("/intake/matters/").content.decode()
    no_reply = client.post(f"/intake/matters/{ticket.pk}/close/", {"x-result": "已协调自来水公司"})
    assert "县长热线工单办结须填写答复内容" in no_reply.content.decode()
    client.post(
        f"/intake/matters/{ticket.pk}/close/", {"x-result": "已协调自来水公司", "x-reply": "已于当日恢复供水"}
    )
    ticket.refresh_from_db()
    assert not ticket.is_open and ticket.reply == "已于当日恢复供水"


def test_rule_B12_the_owner_is_reminded_while_open_even_after_the_runner_was_down(org, duty):
    DutyPolicy.objects.create(unit=org.county, matter_reminder_hours=6)
    with travel(at(9)):
        matter = intake.matter_open(org.county, org.officer, "道路抢通")
    with travel(at(14, 59)):
        assert not try_remind_matter_one()
    with travel(at(20)):  # due at 15:00; the runner was down until 20:00
        assert try_remind_matter_one()
        assert not try_remind_matter_one()  # once, then the next one in 6 hours
    assert Notice.objects.filter(person=org.officer, text__contains="道路抢通").count() == 1
    matter.refresh_from_db()
    assert matter.remind_at == at(2) + dt.timedelta(days=1)
    with travel(at(21)):
        intake.matter_close(matter, org.officer, "已抢通")
    with travel(at(8, 0, DAY + dt.timedelta(days=2))):
        assert not try_remind_matter_one()


# --- leader instructions ------------------------------------------------------------------------------------
def test_rule_B5_a_feedback_deadline_before_the_instruction_is_refused(org, duty):
    with travel(at(10)):
        response = org.client(org.officer).post(
            "/intake/instructions/new/",
            {
                "leader": org.county_leader.pk,
                "given_at": "2026-03-05T10:00",
                "text": "立即组织抢通道路",
                "targets": [org.deputy.pk],
                "feedback_due_at": "2026-03-05T09:00",
            },
        )
    assert response.status_code == 200 and "反馈时限须晚于批示时间" in response.content.decode()
    assert "立即组织抢通道路" in response.content.decode()  # what was typed is kept
    assert not Instruction.objects.exists() and not Notice.objects.filter(person=org.deputy).exists()


def test_rule_A1_2_open_matters_of_the_same_title_are_told_apart_on_the_instruction_form(org, duty):
    with travel(at(9)):
        intake.matter_open(org.county, org.officer, "交通事故")
    with travel(at(10)):
        intake.matter_open(org.county, org.deputy, "交通事故")
        form = org.client(org.officer).get("/intake/instructions/new/").content.decode()
    assert (
        "交通事故（2026-03-05 10:00受理，单晓东）" in form
        and "交通事故（2026-03-05 09:00受理，林海燕）" in form
    )


def test_rule_A1_2_B5_an_instruction_is_relayed_acknowledged_fed_back_and_reported(org, duty):
    client = org.client(org.officer)
    with travel(at(10)):
        client.post(
            "/intake/instructions/new/",
            {
                "leader": org.county_leader.pk,
                "given_at": "2026-03-05T10:00",
                "text": "立即组织抢通道路",
                "targets": [org.deputy.pk],
            },
        )
    instruction = Instruction.objects.get()
    assert instruction.feedback_due_at == at(10) + dt.timedelta(hours=24)  # the policy's default
    assert Notice.objects.filter(person=org.deputy, text__contains="立即组织抢通道路").exists()
    deputy = org.client(org.deputy)
    deputy.post(f"/intake/instructions/{instruction.pk}/", {"acknowledge": "1"})
    target = instruction.targets.get()
    target.refresh_from_db()
    assert target.acknowledged_at is not None
    early = client.post(f"/intake/instructions/{instruction.pk}/report/", {"r-result": "正在组织抢通"})
    page = early.content.decode()  # refused before every target has fed back, the text kept
    assert early.status_code == 400 and "尚有落实人未反馈" in page and "正在组织抢通" in page
    with travel(at(11, 0, DAY + dt.timedelta(days=1))):  # overdue: reminded, to the person and the relayer
        assert try_remind_feedback_one()
    assert Notice.objects.filter(person=org.officer, text__contains="反馈已超时").exists()
    empty = deputy.post(f"/intake/instructions/{instruction.pk}/", {"feedback": ""})
    assert empty.status_code == 400 and "请填写落实情况" in empty.content.decode()
    deputy.post(f"/intake/instructions/{instruction.pk}/", {"feedback": "已调集两台挖掘机，12时抢通"})
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.DONE
    empty = client.post(f"/intake/instructions/{instruction.pk}/report/", {"r-result": " "})
    assert empty.status_code == 400 and "请填写落实结果" in empty.content.decode()
    client.post(f"/intake/instructions/{instruction.pk}/report/", {"r-result": "道路已于12时抢通"})
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.REPORTED
    assert Notice.objects.filter(person=org.county_leader, text__contains="道路已于12时抢通").exists()


# --- check-in, leave, the arrival watch ------------------------------------------------------------------------
def test_rule_B7_the_primary_is_due_the_policys_minutes_early_and_lateness_is_recorded(org, duty):
    DutyPolicy.objects.create(unit=org.county, primary_early_minutes=15)
    on_time = services.check_in(duty.day, org.officer, at(8, 15))
    late = services.check_in(duty.day, org.deputy, at(8, 40))
    assert on_time.minutes_late == 0 and on_time.due_at == at(8, 15)
    assert late.minutes_late == 10 and late.due_at == at(8, 30)  # deputies are due at the start
    with pytest.raises(services.ShiftError, match="您已签到"):
        services.check_in(duty.day, org.officer, at(8, 20))
    with pytest.raises(services.ShiftError, match="不在本班次"):
        services.check_in(duty.day, duty.night_primary, at(8, 20))


def test_rule_A2_3_an_absent_incoming_primary_keeps_the_outgoing_shift_and_alerts_the_leader(org, duty):
    services.check_in(duty.day, org.officer, at(8, 20))
    with travel(at(17, 29)):  # the day shift's own check at 08:30 finds its primary in
        while try_watch_arrival_one():
            pass
    assert not Notice.objects.filter(text__contains="请继续在岗").exists()
    with travel(at(17, 45)):  # the runner was busy or down at 17:30
        while try_watch_arrival_one():
            pass
    duty.night.refresh_from_db()
    assert duty.night.absent_alerted_at == at(17, 45)
    assert Notice.objects.filter(person=org.officer, text__contains="请继续在岗").exists()
    assert Notice.objects.filter(person=org.county_leader, text__contains="吴建平").exists()
    assert not Notice.objects.filter(person=duty.night_primary, text__contains="请继续在岗").exists()


def test_rule_A2_3_the_absence_alert_goes_out_through_the_units_channels(org, duty):
    from zhiban.notify.models import ChannelRoute, OutboxMessage

    ChannelRoute.objects.create(unit=org.county, order=1, channel="sms", url="http://127.0.0.1:9/sms")
    ChannelRoute.objects.create(unit=org.county, order=2, channel="wecom", url="http://127.0.0.1:9/wecom")
    services.check_in(duty.day, org.officer, at(8, 20))
    with travel(at(17, 31)):
        while try_watch_arrival_one():
            pass
    sms = set(OutboxMessage.objects.filter(channel="sms").values_list("recipient", flat=True))
    assert {org.county_leader.mobile, org.officer.mobile} <= sms  # the leader, and the outgoing told to stay
    (group,) = OutboxMessage.objects.filter(channel="wecom")  # the duty group hears it once
    assert "吴建平" in group.body and "未按时到岗" in group.subject


def test_rule_A2_3_a_primary_who_checked_in_raises_no_alarm(org, duty):
    services.check_in(duty.night, duty.night_primary, at(17, 15))
    with travel(at(17, 31)):
        while try_watch_arrival_one():
            pass
    duty.night.refresh_from_db()
    assert duty.night.absent_alerted_at is None
    assert not Notice.objects.filter(text__contains="请继续在岗").exists()


def test_rule_A2_3_shifts_are_opened_from_the_published_roster_a_day_ahead(org, duty):
    Shift.objects.all().delete()
    with travel(at(9, 0, DAY - dt.timedelta(days=1))):
        while try_open_shift_one():
            pass
    assert set(Shift.objects.values_list("name", "start")) == {("全天班", at(8, 30))}
    with travel(at(18, 0, DAY - dt.timedelta(days=1))):
        while try_open_shift_one():
            pass
    assert Shift.objects.count() == 2


def test_rule_A2_2_a_deputy_leaves_only_with_the_primary_and_never_as_the_last_one(org, duty):
    services.check_in(duty.day, org.deputy, at(8, 30))
    with pytest.raises(services.ShiftError, match="最后一人不能离岗"):
        services.leave_ask(duty.day, org.deputy, org.officer, "取文件")
    services.check_in(duty.day, org.officer, at(8, 20))
    deputy = org.client(org.deputy)
    with travel(at(10)):
        deputy.post(f"/duty/shifts/{duty.day.pk}/leave/", {"reason": "取文件", "primary_password": "wrong"})
        assert not Leave.objects.exists()
        deputy.post(f"/duty/shifts/{duty.day.pk}/leave/", {"reason": "取文件", "primary_password": PASSWORD})
    leave = Leave.objects.get()
    assert (leave.person, leave.approved_by) == (org.deputy, org.officer)
    with pytest.raises(services.ShiftError, match="主班本人不能离岗"):
        services.leave_ask(duty.day, org.officer, org.officer, "开会")
    deputy.post(f"/duty/shifts/{duty.day.pk}/leave/{leave.pk}/back/")
    leave.refresh_from_db()
    assert leave.back_at is not None


# --- handover -------------------------------------------------------------------------------------------------
def test_rule_B14_every_open_matter_needs_a_suggestion_and_a_fault_a_note(org, duty):
    matter = intake.matter_open(org.county, org.officer, "S203线道路中断")
    fax = Equipment.objects.get(kind="fax")
    client = org.client(org.officer)
    response = prepare(client, duty.day, equipment={fax: ("fault", "")})
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        "每项未办结事项都须写明后续办理建议：S203线道路中断" in page and "故障设备须说明情况：传真机" in page
    )
    assert not Handover.objects.exists()
    prepare(client, duty.day, [(matter, "继续跟踪交通局抢通进度")], {fax: ("fault", "卡纸，已报修")})
    handover = Handover.objects.get()
    assert handover.items.get().suggestion == "继续跟踪交通局抢通进度"
    assert handover.equipment_checks.get(equipment=fax).note == "卡纸，已报修"


def test_rule_B14_a_refused_handover_keeps_each_fault_marked_as_entered(org, duty):
    """A save refused for a missing suggestion must not turn a broken fax back into a working one."""
    intake.matter_open(org.county, org.officer, "S203线道路中断")
    fax = Equipment.objects.get(kind="fax")
    page = prepare(
        org.client(org.officer), duty.day, equipment={fax: ("fault", "卡纸，已报修")}
    ).content.decode()
    assert f'name="eq-{fax.pk}" value="fault" checked' in page
    assert f'name="eq-note-{fax.pk}" value="卡纸，已报修"' in page


@travel(at(17))  # within the hour before the 17:30 handover
def test_rule_A2_4_a_handover_signed_twice_by_the_same_person_is_refused(org, duty):
    client = org.client(org.officer)
    prepare(client, duty.day)
    same = sign(client, duty.day, org.officer, org.officer)
    assert "不在接班班次的值班安排中" in same.content.decode() or "两个不同的人" in same.content.decode()
    both_on_night = sign(client, duty.day, duty.night_primary, duty.night_primary)
    assert "不在交班班次的值班安排中" in both_on_night.content.decode()
    wrong = sign(client, duty.day, org.officer, duty.night_primary, in_pw="not-it")
    assert "用户名或密码不正确" in wrong.content.decode()
    handover = Handover.objects.get()
    assert handover.signed_at is None
    duty.day.refresh_from_db()
    assert duty.day.is_open  # a shift cannot close without a signed handover


@travel(at(17))  # within the hour before the 17:30 handover
def test_rule_A2_4_two_people_with_one_shift_each_sign_in_person(org, duty):
    duty.roster.assignments.filter(person=duty.night_deputy).update(person=org.deputy)  # 单晓东 works on
    client = org.client(org.officer)
    prepare(client, duty.day)
    refused = sign(client, duty.day, org.deputy, org.deputy)
    assert "交班人和接班人须为两个不同的人" in refused.content.decode()
    sign(client, duty.day, org.officer, duty.night_primary)
    handover = Handover.objects.get()
    assert (handover.outgoing_signer, handover.incoming_signer, handover.incoming) == (
        org.officer,
        duty.night_primary,
        duty.night,
    )
    duty.day.refresh_from_db()
    assert duty.day.state == Shift.State.CLOSED
    again = sign(client, duty.day, org.officer, duty.night_primary)
    assert "交接班已签字" in again.content.decode()


def test_rule_A2_3_A2_4_a_handover_is_not_signed_before_the_incoming_shift_is_reminded(org, duty):
    DutyPolicy.objects.create(unit=org.county, handover_reminder_minutes=90)  # B29: the window is policy
    client = org.client(org.officer)
    with travel(at(14, 36)):
        prepare(client, duty.day)
        early = sign(client, duty.day, org.officer, duty.night_primary).content.decode()
    assert "本班次03月05日17:30交班，16:00起方可签字交接" in early
    assert Handover.objects.get().signed_at is None
    with travel(at(16)):
        sign(client, duty.day, org.officer, duty.night_primary)
    assert Handover.objects.get().signed_at == at(16)


def test_rule_B13_a_shift_not_yet_begun_takes_no_log_entries_and_an_entry_has_a_length_limit(org, duty):
    client = org.client(org.officer)
    url = f"/duty/shifts/{duty.day.pk}/entries/"
    with travel(at(8, 10)):  # the day shift begins at 08:30, its primary is due at 08:20 (B7)
        early = client.post(url, {"text": "提前记事"}, follow=True).content.decode()
    assert "还未到本班次的到岗时间，值班日志还不能记事" in early
    with travel(at(8, 20)):
        client.post(url, {"text": "主班到岗，检查设备正常"})
    assert duty.day.entries.get().text == "主班到岗，检查设备正常"
    with travel(at(9)):
        long = client.post(url, {"text": "记" * 2001}, follow=True).content.decode()
    assert "2000" in long and duty.day.entries.count() == 1


def test_rule_B13_the_duty_log_names_the_standby_with_the_primary_and_deputies(org, duty):
    make_assignment(
        duty.roster, make_person(org.county, "陈备班", roles=["duty_staff"]), DAY, "standby", hours=9
    )
    assert duty_log(duty.day).staff == "主班：林海燕；副班：单晓东；备班：陈备班"


@travel(at(9, 25))  # the day shift has begun
def test_rule_B13_the_duty_log_is_a_word_document_with_its_fixed_fields(org, duty):
    Call.objects.create(
        unit=org.county,
        at=at(9, 10),
        number="0558-2222333",
        name="王建华",
        content="山体滑坡",
        taken_by=org.officer,
    )
    services.check_in(duty.day, org.officer, at(8, 20))
    client = org.client(org.officer)
    client.post(
        f"/duty/shifts/{duty.day.pk}/entries/",
        {"text": "9时20分向市总值班室电话报告滑坡情况", "emergency": "on"},
    )
    response = client.get(f"/duty/shifts/{duty.day.pk}/log.docx")
    word = WordDocument(io.BytesIO(response.content))
    text = "\n".join(cell.text for table in word.tables for row in table.rows for cell in row.cells)
    for expected in (
        "带班领导",
        "曾志强",
        "主班：林海燕；副班：单晓东",
        "王建华",
        "山体滑坡",
        "9时20分向市总值班室电话报告",
        "（尚未交接）",
    ):
        assert expected in text
    fonts = word.styles["Normal"].element.rPr.rFonts
    assert (
        fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    )


# --- the whole day ----------------------------------------------------------------------------------------------
def test_a_whole_day_of_duty_from_check_in_to_the_matter_closed_next_day(org, duty):
    """Two shifts: calls, a visitor, a fax and a matter taken in the day, carried over the handover and
    closed by its owner the next morning; each shift's duty log holds all of its part."""
    officer, night = org.client(org.officer), org.client(duty.night_primary)
    with travel(at(8, 18)):
        officer.post(f"/duty/shifts/{duty.day.pk}/check-in/")
    with travel(at(9, 12)):
        officer.post("/intake/calls/new/", call_data(open_matter="on", important="on"))
    with travel(at(10, 30)):
        officer.post(
            "/intake/calls/new/",
            call_data(
                direction="outgoing",
                at="2026-03-05T10:30",
                number="0558-1110000",
                name="交通局值班室",
                content="通知交通局赴现场",
            ),
        )
    with travel(at(14, 5)):
        officer.post(
            "/intake/visits/new/",
            {
                "name": "刘大伟",
                "identity": "东湖村村民",
                "people": 1,
                "purpose": "反映村道损毁",
                "arrived_at": "2026-03-05T14:00",
            },
        )
    with travel(at(15)):
        officer.post(
            "/intake/documents/new/",
            {
                "kind": "fax",
                "sender": "市应急局",
                "title": "关于滑坡处置的通知",
                "classification": "public",
                "urgency": "urgent",
                "pages": 2,
                "received_at": "2026-03-05T14:58",
            },
        )
    matter = Matter.objects.get()
    with travel(at(17, 10)):
        night.post(f"/duty/shifts/{duty.night.pk}/check-in/")
        prepare(
            officer,
            duty.day,
            [(matter, "跟进抢通进度，明早回访青石镇")],
            situation="发生山体滑坡一起，已处置",
        )
        sign(officer, duty.day, org.officer, duty.night_primary)
    # the night shift sees the carried matter on its desk
    with travel(at(18)):
        desk = night.get("/duty/").content.decode()
    assert "山体滑坡，道路中断" in desk
    with travel(at(22)):
        night.post(
            "/intake/calls/new/",
            call_data(at="2026-03-05T22:00", number="0558-2222333", content="道路已抢通单向通行"),
        )
    with travel(at(8, 40, DAY + dt.timedelta(days=1))):
        officer = org.client(org.officer)  # back the next morning, signed in afresh
        officer.post(f"/intake/matters/{matter.pk}/close/", {"x-result": "道路已全线抢通，已回访青石镇"})
    matter.refresh_from_db()
    assert not matter.is_open and matter.owner == org.officer

    day_log, night_log = duty_log(duty.day), duty_log(duty.night)
    assert [c.at for c in day_log.calls] == [at(9, 10), at(10, 30)]
    assert [v.name for v in day_log.visits] == ["刘大伟"] and [d.title for d in day_log.documents] == [
        "关于滑坡处置的通知"
    ]
    assert day_log.matters_opened == [matter]
    assert day_log.handover.signed and day_log.handover.items.get().matter == matter
    assert [c.at for c in night_log.calls] == [at(22)]
    assert night_log.received == day_log.handover
    assert CheckIn.objects.get(shift=duty.night).minutes_late == 0
    # the closing next morning is in the log of the shift it happened in, not the night's
    assert not [s for s in night_log.matter_steps if s.kind == MatterStep.Kind.CLOSED]
    # the handover was signed early, at 17:10: from then on the duty, and the carried matter, are the night's
    carried = [s for s in night_log.matter_steps if s.kind == MatterStep.Kind.CARRIED]
    assert [s.to for s in carried] == [duty.night_primary]
    assert not [s for s in day_log.matter_steps if s.kind == MatterStep.Kind.CARRIED]
    page = org.client(org.officer).get(f"/duty/shifts/{duty.day.pk}/").content.decode()
    for expected in ("王建华", "交通局值班室", "刘大伟", "关于滑坡处置的通知", "跟进抢通进度", "吴建平"):
        assert expected in page


# --- the phone exchange -----------------------------------------------------------------------------------------
@pytest.fixture
def after_the_calls(on_the_day):
    with travel(at(9, 30)):  # the exchange reports rings that have happened
        yield


@pytest.mark.usefixtures("after_the_calls")
def test_the_exchange_creates_calls_with_their_rings_and_the_officer_completes_them(org, duty, client):
    from zhiban.org.models import ApiToken

    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'CTI')[1]}"}
    url = f"/api/v1/units/{org.county.pk}/calls"
    answered = client.post(
        url,
        {
            "number": "0558-2222333",
            "rang_at": "2026-03-05T09:10:00+08:00",
            "answered_at": "2026-03-05T09:10:09+08:00",
            "rings": 2,
        },
        content_type="application/json",
        headers=headers,
    )
    assert answered.status_code == 201 and answered.json()["complete"] is False
    missed = client.post(
        url,
        {"number": "0558-4444555", "rang_at": "2026-03-05T09:20:00+08:00", "rings": 8},
        content_type="application/json",
        headers=headers,
    )
    assert missed.status_code == 201
    call = Call.objects.get(pk=answered.json()["id"])
    assert (call.rang_at, call.answered_at, call.rings, call.at) == (
        at(9, 10),
        at(9, 10) + dt.timedelta(seconds=9),
        2,
        call.answered_at,
    )
    assert Call.objects.get(pk=missed.json()["id"]).answered_at is None  # kept for supervision (A2.5)
    assert "待补记" in org.client(org.officer).get("/intake/calls/").content.decode()
    data = call_data()
    del data["direction"], data["at"]
    org.client(org.officer).post(f"/intake/calls/{call.pk}/edit/", data)
    call.refresh_from_db()
    assert call.content.startswith("青石镇S203线") and call.rings == 2 and not call.incomplete
    assert client.get(f"/api/v1/calls/{call.pk}", headers=headers).json()["complete"] is True

    backwards = client.post(
        url,
        {
            "number": "0558-1",
            "rang_at": "2026-03-05T09:10:00+08:00",
            "answered_at": "2026-03-05T09:00:00+08:00",
        },
        content_type="application/json",
        headers=headers,
    )
    assert backwards.status_code == 400 and "接听时间不能早于振铃时间" in str(backwards.json())
    garbage = client.post(url, {"rang_at": "yesterday"}, content_type="application/json", headers=headers)
    assert garbage.status_code == 422 and garbage.json()["errors"]
    inspector = {"Authorization": f"Bearer {ApiToken.issue(org.inspector.user, 'x')[1]}"}
    refused = client.post(
        url,
        {"number": "0558-1", "rang_at": "2026-03-05T09:10:00+08:00"},
        content_type="application/json",
        headers=inspector,
    )
    assert refused.status_code == 403
    assert Call.objects.count() == 2


def test_rule_B7_the_shift_summary_states_the_day_and_shows_every_change_at_once(org, duty):
    """一口清: people on duty, counts, important calls, open matters, pending instructions, equipment;
    cached per minute, yet a new record or a check-in shows on the very next request."""
    officer = org.client(org.officer)
    with travel(at(9, 30)):
        first = officer.get("/duty/").content.decode()
        assert "到岗签到" in first and "带班领导：曾志强" in first and "主班：林海燕" in first
        assert "未检查" in first  # no handover has checked the equipment yet
        checked = officer.post(f"/duty/shifts/{duty.day.pk}/check-in/", follow=True).content.decode()
        assert "已签到" in checked  # the flash message shows, cached page or not
        assert "已签到" not in officer.get("/duty/").content.decode()  # and only once
        officer.post("/intake/calls/new/", call_data(important="on", at="2026-03-05T09:29"))
        intake.matter_open(org.county, org.officer, "S203线道路抢通")
        page = officer.get("/duty/").content.decode()
    assert "到岗签到" not in page and "在岗：林海燕" in page
    assert "青石镇政府王建华：青石镇S203线K12处山体滑坡" in page and "S203线道路抢通" in page
    assert '<div class="num">1</div>来电' in page
    with travel(at(9, 31)):
        deputy_view = org.client(org.deputy).get("/duty/").content.decode()
    assert "到岗签到" in deputy_view  # the deputy has not checked in: their own page says so
    assert 'name="csrfmiddlewaretoken" value="\x00' not in page


def test_rule_B7_the_summary_counts_every_open_matter_not_only_those_it_lists(org, duty):
    from zhiban.shifts.log import LISTED

    for i in range(LISTED + 7):
        intake.matter_open(org.county, org.officer, f"事项{i}")
    with travel(at(9, 30)):
        page = org.client(org.officer).get("/duty/").content.decode()
    assert f'<div class="num">{LISTED + 7}</div>未办结事项' in page
    assert "另有7项未列出" in page


@travel(at(11, 5))  # the times the test states have happened
def test_the_call_list_pages_without_counting_and_shows_a_new_call_at_once(org, duty):
    for i in range(51):
        Call.objects.create(
            unit=org.county, at=at(9) + dt.timedelta(minutes=i), number=f"0558-{i:04d}", name="来电人"
        )
    client = org.client(org.officer)
    first = client.get("/intake/calls/").content.decode()
    assert "0558-0050" in first and "0558-0000" not in first and "下一页" in first
    second = client.get("/intake/calls/", {"page": 2}).content.decode()
    assert "0558-0000" in second and "下一页" not in second
    client.post("/intake/calls/new/", call_data(at="2026-03-05T11:00", number="0558-9999"))
    assert "0558-9999" in client.get("/intake/calls/").content.decode()
    assert client.get("/intake/calls/", {"page": "x<script>"}).status_code == 200
    assert "0558-0007" in client.get("/intake/calls/", {"q": "0558-0007"}).content.decode()
