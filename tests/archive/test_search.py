"""B26: one search box over the duty records a person may read: Chinese words wherever they stand in a
sentence, names by pinyin, numbers by their digits, filters, ranking and marked matches; on SQLite
(FTS5) and on PostgreSQL (GIN full-text index) alike."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.shift_fixtures import at, travel
from zhiban.archive import search
from zhiban.archive.models import SearchEntry
from zhiban.intake.models import Call, Document, Visit
from zhiban.org.access import scope_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_the_day")]


def titles(person, query, **filters) -> list[str]:
    hits, _ = search.search(scope_for(person.user), query, **filters)
    return [h.entry.title for h in hits]


@pytest.fixture
def records(org):
    power = Call.objects.create(
        unit=org.county,
        at=at(9, 10),
        name="王建华",
        number="0558-2222333",
        content="青石镇今晨发生大面积停电报告事件",
    )
    rain = Call.objects.create(unit=org.county, at=at(10), name="李红", content="暴雨预警，注意防范")
    visit = Visit.objects.create(
        unit=org.county, arrived_at=at(11), name="赵大勇", purpose="反映停电赔偿问题"
    )
    sibling = Call.objects.create(unit=org.sibling, at=at(9), name="马小川", content="西山县停电")
    secret = Document.objects.create(
        unit=org.county,
        sender="县委办",
        title="停电应急预案（修订）",
        classification="secret",
        received_at=at(12),
    )
    return power, rain, visit, sibling, secret


def test_rule_B26_a_two_character_word_inside_a_sentence_is_found(org, records):
    power, rain, visit, sibling, secret = records
    found = titles(org.officer, "停电")
    assert power.content[:20] in "".join(found) and "赵大勇 反映停电赔偿问题" in found
    # a pair a dictionary segmenter would have joined into a longer word is found too
    assert any("停电报告事件" in t for t in titles(org.officer, "电报"))
    assert titles(org.officer, "预警") == [f"来电 李红 {rain.content}"]
    assert titles(org.officer, "地震") == []


def test_rule_B26_names_by_pinyin_and_numbers_by_their_digits(org, records):
    power = records[0]
    expected = f"来电 王建华 {power.content[:40]}"
    assert titles(org.officer, "wangjianhua") == [expected]
    assert titles(org.officer, "wjh") == [expected]
    assert titles(org.officer, "2222333") == [expected] and titles(org.officer, "2333") == [expected]
    assert titles(org.officer, "0558") == [expected]


def test_rule_A2_7_search_shows_only_what_the_person_may_read(org, records):
    power, rain, visit, sibling, secret = records
    assert "西山县停电" not in " ".join(titles(org.officer, "停电"))
    assert [t for t in titles(org.sibling_officer, "停电")] == ["来电 马小川 西山县停电"]
    # the classified document: its own unit's cleared duty staff only
    assert "秘密文件（标题不予显示）" in titles(org.officer, "预案")
    assert titles(org.inspector, "预案") == [] and titles(org.city_admin, "预案") == []
    # the city's office reads the county's records over the chain
    assert "赵大勇 反映停电赔偿问题" in titles(org.city_admin, "停电")


def test_rule_B26_filters_ranking_and_marked_words(org, records):
    power, rain, visit, sibling, secret = records
    assert titles(org.officer, "停电", kind="visit") == ["赵大勇 反映停电赔偿问题"]
    later = sorted(titles(org.officer, "停电", since=at(10, 30)))
    assert later == sorted(["赵大勇 反映停电赔偿问题", "秘密文件（标题不予显示）"])
    assert titles(org.officer, "停电", level="secret") == ["秘密文件（标题不予显示）"]
    hits, total = search.search(scope_for(org.officer.user), "停电 赔偿")
    assert total == 1 and "<mark>停电</mark>" in hits[0].title and "<mark>赔偿</mark>" in hits[0].title
    assert hits[0].url == f"/intake/visits/{visit.pk}/"


def test_rule_B26_the_index_follows_edits_deletions_and_rollbacks(org, records):
    power = records[0]
    Call.objects.filter(pk=power.pk).update(content="x")  # no signal: rebuilt below
    power.content = "燃气泄漏"
    power.save()
    assert titles(org.officer, "燃气") and not [t for t in titles(org.officer, "停电") if "王建华" in t]
    power.delete()
    assert titles(org.officer, "燃气") == []
    with pytest.raises(RuntimeError), transaction.atomic():
        Call.objects.create(unit=org.county, at=at(13), name="回滚", content="山体滑坡")
        raise RuntimeError
    assert titles(org.officer, "滑坡") == []
    SearchEntry.objects.all().delete()
    assert search.rebuild() == 4 and len(titles(org.officer, "停电")) == 2  # the visit, the document


def test_the_search_page_marks_the_words_and_checks_its_filters(org, records):
    client = org.client(org.officer)
    page = client.get("/search/", {"q": "停电"})
    assert page.status_code == 200 and "找到 3 条" in page.text and "<mark>停电</mark>" in page.text
    assert 'placeholder="检索值班记录"' in page.text  # the box in the top bar
    bad = client.get("/search/", {"q": "停电", "since": "2026-03-06", "until": "2026-03-01"})
    assert bad.status_code == 400 and "止日期不能早于起日期" in bad.text and 'value="停电"' in bad.text
    assert org.client(org.sibling_officer).get("/search/", {"q": "赔偿"}).text.count("<mark>") == 0


def test_rule_B26_a_common_word_ranks_the_recent_window_and_falls_back_to_all(org, records, monkeypatch):
    """With more matches than the window, the newest are ranked; when the window holds fewer this person
    may read than a page, the whole index is searched, so nothing readable is ever missed."""
    everything = sorted(titles(org.officer, "停电"))
    monkeypatch.setattr(search, "WINDOW", 1)  # the newest match (the secret document, readable here)
    assert sorted(titles(org.officer, "停电")) == everything
    assert titles(org.sibling_officer, "停电") == ["来电 马小川 西山县停电"]  # outside its window: fallback
    # PostgreSQL: a "common" word (more matches than counted) is ranked among the newest entries first,
    # the span widened until the page is full or the span is everything
    monkeypatch.setattr(search, "COUNT_CAP", 1)
    monkeypatch.setattr(search, "POSTGRES_SPAN", 1)
    assert sorted(titles(org.officer, "停电")) == everything
    assert len(titles(org.officer, "停电", limit=1)) == 1


def test_rule_B26_a_published_circular_is_found_by_its_office_and_the_units_it_names(org, records):
    from zhiban.supervision.models import Circular

    def circular(title, **extra):
        found = Circular.objects.create(
            office=org.city,
            title=title,
            body="抽查中发现个别单位值班电话无人接听，责令整改",
            period_start=at(0).date(),
            period_end=at(0).date(),
            **extra,
        )
        found.units.add(org.county)
        return found

    published = circular("关于值班抽查情况的通报", state=Circular.State.PUBLISHED, published_at=at(14))
    circular("关于值班抽查情况的通报（草稿）")
    assert titles(org.officer, "无人接听") == [published.title]  # named: read once published
    assert titles(org.city_admin, "抽查", kind="circular") == [published.title]  # its office
    assert titles(org.sibling_officer, "无人接听") == []  # not named
    hits, _ = search.search(scope_for(org.officer.user), "整改")
    assert hits[0].url == f"/supervision/circulars/{published.pk}/" and hits[0].kind_words == "通报"
    assert search.rebuild() == 6  # the five records and the published circular, not the draft


def test_rule_B26_the_search_box_finds_contacts_by_their_own_rules(org, records):
    from tests.factories import make_contact

    make_contact(
        org.county,
        "孙卫东",
        position="县应急局局长",
        numbers=(("office", "0558-7654321", False), ("mobile", "13900001111", True)),
    )
    own = org.client(org.officer).get("/search/", {"q": "swd"}).text
    assert "通讯录" in own and "孙卫东" in own and "13900001111" in own  # the unit's own internal number
    assert "县应急局局长" not in org.client(org.sibling_officer).get("/search/", {"q": "孙卫东"}).text
    outside = org.client(org.city_admin).get("/search/", {"q": "孙卫东"}).text  # the office above
    assert "0558-7654321" in outside and "13900001111" not in outside and "另有1个内部号码" in outside
    only = org.client(org.officer).get("/search/", {"q": "孙卫东", "kind": "contact"}).text
    assert "孙卫东" in only and "找到" not in only  # the directory alone, no records searched
    dated = org.client(org.officer).get("/search/", {"q": "孙卫东", "since": "2026-03-01"}).text
    assert "0558-7654321" not in dated  # a date or a classification asks for records


def test_the_search_page_says_whose_records_and_what_to_do_when_nothing_is_found(org, records):
    client = org.client(org.city_admin)
    page = client.get("/search/", {"q": "赔偿"}).text
    assert f"{org.county.label} · " in page  # which unit a record is of
    assert "公开" not in page.split('<ol class="hits">')[1]  # no classification word in the excerpt
    assert "请输入检索词" in client.get("/search/", {"kind": "circular"}).text  # a filter without words
    assert "通讯录中没有找到" in client.get("/search/", {"q": "无此人", "kind": "contact"}).text
    assert "值班记录中没有找到" in client.get("/search/", {"q": "地震"}).text
    past = client.get("/search/", {"q": "停电", "page": 99}).text
    assert "这一页已没有结果" in past and "回到第一页" in past and "上一页" not in past


def test_rule_B26_a_leaders_instruction_is_found_by_the_leaders_name(org, records):
    from zhiban.intake.models import Instruction

    with travel(at(15)):
        instruction = Instruction.objects.create(
            unit=org.county,
            leader=org.county_leader,
            text="做好防汛物资调度",
            given_at=at(15),
            feedback_due_at=at(18),
        )
    name = org.county_leader.name
    from pypinyin import lazy_pinyin

    for query in (name, "".join(lazy_pinyin(name))):
        assert titles(org.officer, query, kind="instruction") == [instruction.text], query
    search.rebuild()
    assert titles(org.officer, name, kind="instruction") == [instruction.text]


def test_rule_B26_a_new_record_is_owed_in_its_own_transaction_written_in_a_batch_and_found_at_once(org):
    from zhiban.archive.jobs import try_index_one
    from zhiban.archive.models import PendingEntry

    with transaction.atomic():  # the save does not write the full-text index: it leaves one small row
        call = Call.objects.create(unit=org.county, at=at(9), name="王建华", content="青石镇停电")
        assert list(PendingEntry.objects.values_list("model", "object_id")) == [("intake.call", str(call.pk))]
        assert not SearchEntry.objects.exists()
    with pytest.raises(RuntimeError), transaction.atomic():  # a save rolled back owes nothing
        Call.objects.create(unit=org.county, at=at(9, 5), name="李红", content="停电已恢复")
        raise RuntimeError
    assert PendingEntry.objects.count() == 1
    assert titles(org.officer, "停电") == [f"来电 王建华 {call.content}"]  # a search catches up first
    assert not PendingEntry.objects.exists()
    later = Call.objects.create(unit=org.county, at=at(10), name="赵大勇", content="道路积水")
    assert try_index_one() and not try_index_one()  # the runner writes it within seconds, once
    assert SearchEntry.objects.filter(object_id=str(later.pk)).count() == 1
    gone = Call.objects.create(unit=org.county, at=at(10, 5), name="马小川", content="积水已退")
    gone.delete()  # deleted before its entry was written: nothing owed, nothing found
    assert not PendingEntry.objects.exists() and titles(org.officer, "积水") == [
        f"来电 赵大勇 {later.content}"
    ]


def test_rule_B26_a_record_changed_before_its_entry_is_written_is_indexed_once_as_it_now_is(org):
    call = Call.objects.create(unit=org.county, at=at(9), name="王建华", content="青石镇停电")
    call.content = "青石镇停水"
    call.save()  # a change writes the entry at once
    assert titles(org.officer, "停水") == [f"来电 王建华 {call.content}"]
    assert titles(org.officer, "停电") == [] and SearchEntry.objects.count() == 1
