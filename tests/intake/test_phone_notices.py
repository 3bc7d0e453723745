"""Phone notices (B11): each recipient's read-back and fax, read-backs recorded later, those not yet read back listed."""

from __future__ import annotations

import pytest

from tests.shift_fixtures import at, call_data, travel
from zhiban.intake.models import Call, Document, Instruction, PhoneNotice, Visit


@pytest.mark.usefixtures("on_the_day")
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


@pytest.mark.usefixtures("on_the_day")
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


@pytest.mark.usefixtures("on_the_day")
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
        unfinished = client.get("/intake/notices/?kind=unfinished").content.decode()
        old_link = client.get("/intake/notices/?unfinished=1&q=乙")  # a bookmark of the former toggle
        assert (
            old_link.status_code == 302
            and old_link["Location"] == "/intake/notices/?q=%E4%B9%99&kind=unfinished"
        )
        desk = client.get("/duty/").content.decode()
        found = client.get("/intake/notices/?kind=unfinished&q=乙").content.decode()
    assert "防汛通知乙" in found and "防汛通知甲" not in found and "防汛通知丙" not in found
    assert all(title in every for title in ("防汛通知甲", "防汛通知乙", "防汛通知丙"))
    assert "尚未登记" in every and "1 个待复述" in every and "全部已复述" in every
    assert "防汛通知甲" in unfinished and "防汛通知乙" in unfinished and "防汛通知丙" not in unfinished
    pending = desk[desk.index("<h2>待复述的电话通知") : desk.index("<h2>未办结事项")]
    assert "防汛通知甲" in pending and "尚未登记通知对象" in pending and "防汛通知丁" in pending
    assert "防汛通知乙" in pending and "1 / 2 个通知对象未复述" in pending and "防汛通知丙" not in pending
    assert "防汛通知" not in org.client(org.sibling_officer).get("/intake/notices/").content.decode()


@pytest.mark.usefixtures("on_the_day")
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


@pytest.mark.usefixtures("on_the_day")
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
