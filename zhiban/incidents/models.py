"""Emergency information (RULES §5): events, their first / follow-up / final reports with the elements of
B19, the phone and written deadlines of B21 counted from the moment the event became known, verification
requests from a superior (B20), and each event's append-only timeline.

Deadlines are indexed columns read by incidents.jobs; the policy that applies is copied onto the event
when it opens, so a later policy edit does not move a running deadline (DESIGN.md)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from zhiban.intake.models import Call, Document, Visit
from zhiban.lib.attachments import Attachment
from zhiban.lib.classification import ClassifiedRecord
from zhiban.lib.dates import plain_number
from zhiban.lib.text import MANUAL_LIMIT, TEXT_LIMIT
from zhiban.org.models import Person, Unit

ELEMENTS = (
    ("happened_at_text", "时间"),
    ("place", "地点"),
    ("information_source", "信息来源"),
    ("cause_nature", "事件起因和性质"),
    ("course", "基本过程"),
    ("consequences", "已造成的后果（伤亡、损失）"),
    ("scope", "影响范围"),
    ("trend", "发展趋势"),
    ("handling", "已采取的处置措施"),
    ("measures", "下一步拟采取的措施"),
    ("suggestions", "意见建议"),
)


class Event(ClassifiedRecord):
    # its classification is the mark its reports carry (GB/T 9704) and says who reads them (A2.7/B15)
    hidden_noun = "事件"

    class Category(models.TextChoices):
        NATURAL = "natural", "自然灾害"
        ACCIDENT = "accident", "事故灾难"
        HEALTH = "health", "公共卫生事件"
        SECURITY = "security", "社会安全事件"

    class Grade(models.TextChoices):
        UNGRADED = "", "尚未定级"
        I = "I", "特别重大（I级）"  # noqa: E741 (the grade is called I)
        II = "II", "重大（II级）"
        III = "III", "较大（III级）"
        IV = "IV", "一般（IV级）"

    class Source(models.TextChoices):
        DIRECT = "direct", "直接登记"
        CALL = "call", "来电"
        DOCUMENT = "document", "来文传真"
        VISIT = "visit", "来访"
        API = "api", "接口"

    class State(models.TextChoices):
        OPEN = "open", "处置中"
        CLOSED = "closed", "已终报"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events", verbose_name="单位")
    title = models.CharField("事件名称", max_length=200)
    category = models.CharField("事件类别", max_length=10, choices=Category.choices)
    # a kind of event for which a law sets its own deadlines (生产安全事故, 森林火灾 …), named in the
    # reporting rules of the unit or one above (B21: 有关法律法规另有规定的，从其规定)
    subkind = models.CharField("具体类型", max_length=30, blank=True)
    grade = models.CharField("事件等级", max_length=3, choices=Grade.choices, blank=True, default="")
    sensitive = models.BooleanField("敏感事件或可能扩大", default=False)
    known_at = models.DateTimeField("获知时间", db_index=True)
    place = models.CharField("地点", max_length=200)
    summary = models.TextField("简要情况", max_length=TEXT_LIMIT)
    source = models.CharField("信息来源", max_length=10, choices=Source.choices, default=Source.DIRECT)
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    # The reporting rule of its category and grade in force when the event opened or was last regraded
    # (B21/B29), copied so that a later edit of the rules moves nothing; its deadlines are Deadline rows
    report_required = models.BooleanField("须向上级报告", default=True)
    rule_label = models.CharField("时限依据", max_length=120, blank=True)
    phone_minutes = models.PositiveSmallIntegerField("电话报告时限（分钟）")
    written_minutes = models.PositiveSmallIntegerField("书面报告时限（分钟）")
    followup_times = models.CharField("每日续报时间", max_length=60, blank=True)
    followup_hours = models.PositiveSmallIntegerField("续报间隔（小时）", null=True, blank=True)
    warning_minutes = models.PositiveSmallIntegerField("提前预警（分钟）")
    missed_after_minutes = models.PositiveIntegerField("逾期未报记为漏报（分钟）")
    # 同一事件: when two units report one happening (a township and a department, the same fire), the
    # superior links the second to the first; each keeps its own reports and deadlines
    same_as = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="linked",
        verbose_name="同一事件",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-known_at", "-id"]
        verbose_name = "突发事件"
        indexes = [models.Index(fields=["unit", "state"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def severity(self) -> int:
        """0 ungraded, 1 一般 … 4 特别重大: an upgrade is a move up this scale."""
        return GRADE_ORDER.index(self.grade)

    @property
    def kind_label(self) -> str:
        return self.get_category_display() + (f"·{self.subkind}" if self.subkind else "")

    def follow_up_schedule(self) -> FollowUpSchedule:
        return FollowUpSchedule.parse(self.followup_times, self.followup_hours)

    def primary(self) -> Event:
        """The event this one is the same as, or itself."""
        return self.same_as if self.same_as_id else self

    def family(self) -> list[Event]:
        """The event and every one linked as the same happening, the first reported first."""
        head = self.primary()
        return [head, *head.linked.select_related("unit").order_by("known_at", "id")]


GRADE_ORDER = ["", "IV", "III", "II", "I"]


@dataclass(frozen=True)
class FollowUpSchedule:
    """When follow-up reports are due (B19 续报): at fixed times each day ("08:00 17:00"), or every so
    many hours after the last report, or never."""

    times: tuple[dt.time, ...] = ()
    hours: int | None = None

    @classmethod
    def parse(cls, times: str, hours: int | None) -> FollowUpSchedule:
        return cls(parse_times(times), hours or None)

    def __bool__(self) -> bool:
        return bool(self.times or self.hours)

    def __str__(self) -> str:
        if self.times:
            return "每日" + "、".join(f"{t:%H:%M}" for t in self.times) + "前续报"
        if self.hours:
            return f"每{self.hours}小时续报"
        return "不定时续报"

    def slot_after(self, moment: dt.datetime) -> dt.datetime:
        """The first of the day's times at or after `moment` (local time): a report made in the window
        that ends there is that time's follow-up."""
        local = timezone.localtime(moment)
        for day in range(2):
            date = local.date() + dt.timedelta(days=day)
            for t in self.times:
                slot = timezone.make_aware(dt.datetime.combine(date, t), local.tzinfo)
                if slot >= local:
                    return slot
        raise AssertionError("a schedule with times has a slot within two days")

    def first_due(self, first_report_at: dt.datetime, gap: dt.timedelta) -> dt.datetime:
        """The first follow-up after the first report: the first time of day at least `gap` (the written
        report's minutes) after it, or so many hours after it."""
        if self.hours:
            return first_report_at + dt.timedelta(hours=self.hours)
        return self.slot_after(first_report_at + gap)

    def next_window(self, met: dt.datetime, made_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The follow-up owed after the one due at `met` (made at `made_at`), as (from, by): by the next
        time of day, any follow-up made since the last time answering it (每日8时、17时前续报); or
        so many hours after the report."""
        if self.hours:
            return made_at, made_at + dt.timedelta(hours=self.hours)
        return min(met, made_at), self.slot_after(met + dt.timedelta(seconds=1))


def parse_times(text: str) -> tuple[dt.time, ...]:
    """ "8:00 17:00" or "08:00、17:00" -> the times, sorted; ValueError naming the one not understood."""
    found = []
    for part in re.split(r"[\s,，、;；]+", text.strip()):
        if not part:
            continue
        match = re.fullmatch(r"(\d{1,2})[:：](\d{2})", part)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(part)
        found.append(dt.time(int(match[1]), int(match[2])))
    return tuple(sorted(set(found)))


FIGURES = (
    ("dead", "死亡", "人"),
    ("injured", "受伤", "人"),
    ("missing", "失踪失联", "人"),
    ("trapped", "被困", "人"),
    ("evacuated", "紧急转移", "人"),
    ("resettled", "安置", "人"),
    ("economic_loss", "直接经济损失", "万元"),
    ("affected_area", "受灾面积", "公顷"),
)
FIGURE_NAMES = tuple(name for name, _, _ in FIGURES)


class Report(models.Model):
    """B19: first, numbered follow-up and final reports, by phone (who phoned whom) or in writing.

    A written report goes up only once a leader has signed it off (签发): it is drafted, checked (核稿)
    and signed, and the moment it is sent is the moment that counts for its deadline. A phone report
    is recorded once made, unless the unit's policy has phone reports signed off too."""

    class Kind(models.TextChoices):
        FIRST = "first", "首报"
        FOLLOW_UP = "follow_up", "续报"
        FINAL = "final", "终报"

    class Channel(models.TextChoices):
        PHONE = "phone", "电话报告"
        WRITTEN = "written", "书面报告"

    class State(models.TextChoices):
        DRAFT = "draft", "拟稿"
        PENDING = "pending", "待签发"
        SIGNED = "signed", "已签发待报出"
        SENT = "sent", "已报送"

    class Means(models.TextChoices):
        """How it reached an office outside the system (one inside has it in its inbox)."""

        PHONE = "phone", "电话"
        FAX = "fax", "传真"
        MAIL = "mail", "电子邮件"
        PLATFORM = "platform", "上级信息报送平台"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField("报告类别", max_length=10, choices=Kind.choices)
    number = models.PositiveSmallIntegerField("续报次数", default=0)
    channel = models.CharField("报告方式", max_length=10, choices=Channel.choices)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.SENT)
    at = models.DateTimeField("报告时间", null=True, blank=True)  # when sent; a draft has none
    to_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_received",
        verbose_name="报送单位",
    )
    # A unit with no superior in the system (the city) reports to an office outside it (省政府总值班室),
    # kept in its list of such offices; `to_office` keeps the name as it was when sent (B21/A2.1)
    to_external = models.ForeignKey(
        "ExternalOffice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name="报送的上级值班机构",
    )
    to_office = models.CharField("报送的上级值班机构", max_length=100, blank=True)
    means = models.CharField("报出方式", max_length=10, choices=Means.choices, blank=True)
    phoned_whom = models.CharField("接报人", max_length=50, blank=True)
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="报告人"
    )
    signer = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="签发领导"
    )
    checked_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="核稿人"
    )
    checked_at = models.DateTimeField("核稿时间", null=True, blank=True)
    signed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="签发人"
    )
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    returned_note = models.TextField("退回修改意见", blank=True, max_length=TEXT_LIMIT)
    unverified = models.BooleanField("边核实边报告", default=False)
    late_minutes = models.PositiveIntegerField("迟报（分钟）", default=0)
    # `at` is when the report was made, as the officer states it (a phone report is written up after the
    # call); `recorded_at` is when it was entered. A report stated on time but entered after its
    # deadline has passed is marked, so supervision sees what the stated time alone would hide (B21).
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)
    backfilled = models.BooleanField("时限后补录", default=False)
    happened_at_text = models.CharField("时间", max_length=100, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    information_source = models.CharField("信息来源", max_length=200, blank=True)
    cause_nature = models.TextField("事件起因和性质", blank=True, max_length=TEXT_LIMIT)
    course = models.TextField("基本过程", blank=True, max_length=TEXT_LIMIT)
    consequences = models.TextField("已造成的后果（伤亡、损失）", blank=True, max_length=TEXT_LIMIT)
    scope = models.TextField("影响范围", blank=True, max_length=TEXT_LIMIT)
    trend = models.TextField("发展趋势", blank=True, max_length=TEXT_LIMIT)
    handling = models.TextField("已采取的处置措施", blank=True, max_length=TEXT_LIMIT)
    measures = models.TextField("下一步拟采取的措施", blank=True, max_length=TEXT_LIMIT)
    suggestions = models.TextField("意见建议", blank=True, max_length=TEXT_LIMIT)
    # B19 后果: the figures as they stand at `figures_at`; blank is "not known", 0 is "none"
    dead = models.PositiveIntegerField("死亡（人）", null=True, blank=True)
    injured = models.PositiveIntegerField("受伤（人）", null=True, blank=True)
    missing = models.PositiveIntegerField("失踪失联（人）", null=True, blank=True)
    trapped = models.PositiveIntegerField("被困（人）", null=True, blank=True)
    evacuated = models.PositiveIntegerField("紧急转移（人）", null=True, blank=True)
    resettled = models.PositiveIntegerField("安置（人）", null=True, blank=True)
    economic_loss = models.DecimalField(
        "直接经济损失（万元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    affected_area = models.DecimalField(
        "受灾面积（公顷）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    figures_at = models.DateTimeField("数字截至", null=True, blank=True)
    figures_note = models.TextField("数字核减说明", blank=True, max_length=TEXT_LIMIT)
    received_at = models.DateTimeField("上级接收时间", null=True, blank=True)
    received_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A2.1: a superior forwards a report up a level as a report of its own, pointing back here
    forwarded_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forwards",
        verbose_name="转报自",
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "信息报告"
        indexes = [
            models.Index(fields=["to_unit", "at"]),
            models.Index(fields=["event", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.label}"

    @property
    def label(self) -> str:
        """首报, 续报（第2次）, 终报, with its channel: 书面续报（第2次）."""
        kind = self.get_kind_display() + (f"（第{self.number}次）" if self.number else "")
        return self.get_channel_display().removesuffix("报告") + kind

    @property
    def is_sent(self) -> bool:
        return self.state == self.State.SENT

    @property
    def recipient(self) -> str:
        """Whom it went to, as a page names it: the unit, or the office outside the system."""
        return self.to_unit.label if self.to_unit_id else self.to_office

    @property
    def recipient_office(self) -> str:
        """The addressee of its document: the duty office it went to."""
        return self.to_unit.duty_office if self.to_unit_id else self.to_office

    @property
    def sender(self) -> Unit:
        """The office the report came from: the event's unit, or the one that forwarded it (A2.1)."""
        return self.forwarded_from.to_unit if self.forwarded_from_id else self.event.unit

    def missing_elements(self) -> list[str]:
        """B18: the elements still missing; the report may go while verifying, the gaps stay listed."""
        return [label for name, label in ELEMENTS if not str(getattr(self, name)).strip()]

    def figures(self) -> list[tuple[str, str, object, str]]:
        """The figures it states: (name, label, value, unit), only those given."""
        return [
            (name, label, getattr(self, name), unit)
            for name, label, unit in FIGURES
            if getattr(self, name) is not None
        ]

    @property
    def has_figures(self) -> bool:
        return any(getattr(self, name) is not None for name in FIGURE_NAMES)

    def figures_text(self) -> str:
        """ "截至10时30分：死亡2人、受伤5人" as a report, the inbox and the Word file say it."""
        parts = [f"{label}{plain_number(value)}{unit}" for _, label, value, unit in self.figures()]
        if not parts:
            return ""
        when = f"截至{timezone.localtime(self.figures_at):%m月%d日%H时%M分}，" if self.figures_at else ""
        return when + "、".join(parts)


class ExternalOffice(models.Model):
    """An office above a unit that has no superior in the system (the city's 省政府总值班室): where its
    reports go, and how to reach it (B21/B22)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="external_offices", verbose_name="单位"
    )
    name = models.CharField("名称", max_length=100)
    phone = models.CharField("值班电话", max_length=50, blank=True)
    fax = models.CharField("传真", max_length=50, blank=True)
    mailbox = models.CharField("电子邮箱", max_length=100, blank=True)
    platform = models.CharField("信息报送平台", max_length=100, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "系统外上级值班机构"
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="external_office_name_once")]

    def __str__(self) -> str:
        return self.name


class Deadline(models.Model):
    """One report the event's unit owes its superior by a moment (B21, B19 续报): the phone and written
    reports from the moment known, again from the moment of an upgrade, and each scheduled follow-up.
    A report sent after `starts_at` meets it: on time, or late by its minutes.

    `next_check_at` is read by incidents.jobs.try_deadline_one: the warning before, the alarm at, and the
    cut-off after which a report never made is missed."""

    class Kind(models.TextChoices):
        PHONE = "phone", "电话报告"
        WRITTEN = "written", "书面报告"
        FOLLOW_UP = "follow_up", "续报"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deadline_set")
    kind = models.CharField("报告", max_length=10, choices=Kind.choices)
    reason = models.CharField("起因", max_length=60)
    starts_at = models.DateTimeField("起算")
    due_at = models.DateTimeField("截止")
    met_at = models.DateTimeField("报出时间", null=True, blank=True)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines_met"
    )
    late_minutes = models.PositiveIntegerField("迟报（分钟）", default=0)
    warned = models.BooleanField(default=False)
    alarmed = models.BooleanField(default=False)
    missed = models.BooleanField(default=False)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = "报告时限"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind", "starts_at", "due_at"], name="deadline_once_per_moment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.label}"

    @property
    def label(self) -> str:
        return self.get_kind_display()

    @property
    def is_open(self) -> bool:
        return self.met_at is None and not self.missed

    @property
    def owed(self) -> bool:
        """Not reported yet, whether or not it has been recorded as missed (漏报): still to be chased."""
        return self.met_at is None

    def met_by(self, report: Report) -> bool:
        """Whether a sent report answers this deadline: any word to the superior meets a phone deadline,
        only a written report a written one, a follow-up or final report a follow-up; never a report
        made before the deadline started."""
        if self.met_at is not None or report.at is None or report.at < self.starts_at:
            return False
        if self.kind == self.Kind.WRITTEN:
            return report.channel == Report.Channel.WRITTEN
        if self.kind == self.Kind.FOLLOW_UP:
            return report.kind != Report.Kind.FIRST
        return True

    def first_check(self, now: dt.datetime) -> dt.datetime | None:
        """When the runner first looks at a deadline just made or moved: at once if its warning time has
        already come (an event registered after its report fell due is alarmed now, not at the 漏报
        cut-off), else its next moment."""
        if self.due_at - dt.timedelta(minutes=self.event.warning_minutes) <= now:
            return now
        return self.next_check(now)

    def next_check(self, after: dt.datetime) -> dt.datetime | None:
        """The next moment the runner must look at it: the warning, the deadline, the missed cut-off."""
        if self.met_at is not None or self.missed:
            return None
        event = self.event
        moments = [
            self.due_at - dt.timedelta(minutes=event.warning_minutes),
            self.due_at,
            self.due_at + dt.timedelta(minutes=event.missed_after_minutes),
        ]
        later = [m for m in moments if m > after]
        return min(later) if later else None


class EventStep(models.Model):
    """The event's timeline: every step, append-only."""

    class Kind(models.TextChoices):
        OPENED = "opened", "登记"
        REPORTED = "reported", "报告"
        FORWARDED = "forwarded", "转报"
        RECEIVED = "received", "上级接收"
        INSTRUCTION = "instruction", "领导批示"
        WARNING = "warning", "时限预警"
        ALARM = "alarm", "超时告警"
        LATE = "late", "迟报"
        MISSED = "missed", "漏报"
        BACKFILLED = "backfilled", "时限后补录"
        CLOSED = "closed", "终报"
        NOTE = "note", "处置记录"
        REGRADED = "regraded", "等级变更"
        SIGNED = "signed", "签发"
        CHASED = "chased", "上级催报"
        LINKED = "linked", "同一事件"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=TEXT_LIMIT)
    # the office that took the step when it is not the event's own (a superior receiving or forwarding):
    # its duty log holds the step (B13), whichever unit the person later works in
    acting_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="办理单位"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "事件时间线"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.text[:40]}"


class Lapse(models.Model):
    """A late (迟报) or missed (漏报) report or verification reply: what supervision counts (B28)."""

    class Kind(models.TextChoices):
        LATE = "late", "迟报"
        MISSED = "missed", "漏报"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="lapses")
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.PROTECT, related_name="lapses")
    deadline = models.ForeignKey(
        Deadline, null=True, blank=True, on_delete=models.PROTECT, related_name="lapses"
    )
    request = models.ForeignKey(
        "VerificationRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="lapses"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    what = models.CharField(max_length=20)  # "phone" / "written" / "follow_up"
    minutes = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["deadline", "kind"], name="lapse_once_per_deadline"),
            models.UniqueConstraint(fields=["request", "what", "kind"], name="lapse_once_per_request"),
        ]
        verbose_name = "迟报漏报"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.what_label} {self.minutes}"

    @property
    def what_label(self) -> str:
        """电话报告 / 书面报告 / 续报 for an event's report, 电话反馈 / 书面反馈 for a verification reply."""
        if self.what == Deadline.Kind.FOLLOW_UP:
            return "续报"
        channel = {"phone": "电话", "written": "书面"}.get(self.what, self.what)
        return channel + ("反馈" if self.request_id else "报告")


class VerificationRequest(models.Model):
    """B20: a superior asks a unit to verify; phone and written replies due by the policy; a unit that
    cannot reply in time says why and keeps working."""

    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="verifications_asked")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="verifications_received")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="verifications"
    )
    question = models.TextField("核报事项", max_length=TEXT_LIMIT)
    asked_at = models.DateTimeField("核报时间", default=timezone.now)
    asked_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    phone_due_at = models.DateTimeField("电话反馈截止")
    written_due_at = models.DateTimeField("书面反馈截止")
    # each channel keeps its own reply, when and by whom: a written reply does not replace the phone one
    phone_replied_at = models.DateTimeField("电话反馈时间", null=True, blank=True)
    phone_replied_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    phone_reply = models.TextField("电话反馈内容", blank=True, max_length=TEXT_LIMIT)
    written_replied_at = models.DateTimeField("书面反馈时间", null=True, blank=True)
    written_replied_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    written_reply = models.TextField("书面反馈内容", blank=True, max_length=TEXT_LIMIT)
    delay_reason = models.TextField("不能按时反馈的原因", blank=True, max_length=TEXT_LIMIT)
    # read by incidents.jobs.try_verification_one
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-asked_at"]
        verbose_name = "核报"

    def __str__(self) -> str:
        return self.question[:40]


class EventInstruction(models.Model):
    """B5/A1.4: a leader's instruction on an event, tracked by intake's instruction workflow; its feedback
    goes into the next report."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="instruction_links")
    instruction = models.OneToOneField(
        "intake.Instruction", on_delete=models.CASCADE, related_name="event_link"
    )

    class Meta:
        verbose_name = "事件批示"

    def __str__(self) -> str:
        return f"{self.event} ← {self.instruction}"


class Procedure(models.Model):
    """B23/B25: one section of a unit's duty manual (值班工作手册): the duty rules posted in the duty room,
    or the handling procedure for one category of event. A unit without a section of its own follows
    its nearest superior's (B29); see incidents.manual."""

    class Section(models.TextChoices):
        RULES = "rules", "值班制度"
        NATURAL = Event.Category.NATURAL.value, "自然灾害处置规程"
        ACCIDENT = Event.Category.ACCIDENT.value, "事故灾难处置规程"
        HEALTH = Event.Category.HEALTH.value, "公共卫生事件处置规程"
        SECURITY = Event.Category.SECURITY.value, "社会安全事件处置规程"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="procedures", verbose_name="单位")
    section = models.CharField("篇目", max_length=10, choices=Section.choices)
    text = models.TextField("内容", max_length=MANUAL_LIMIT)
    updated_at = models.DateTimeField("修订时间", auto_now=True)
    updated_by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="修订人"
    )

    class Meta:
        verbose_name = "值班工作手册"
        constraints = [models.UniqueConstraint(fields=["unit", "section"], name="one_procedure_per_section")]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_section_display()}"


class ReportingRule(models.Model):
    """B21/B29: a unit's deadlines for one category of event (and sub-kind, where a law sets its own)
    at one grade: phone and written minutes, whether the superior must be told at all, and when
    follow-ups are due. A unit without a row follows the nearest unit above with one; with none, the
    duty policy's one pair of minutes (incidents.rules)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="reporting_rules", verbose_name="单位"
    )
    category = models.CharField("事件类别", max_length=10, choices=Event.Category.choices)
    subkind = models.CharField("具体类型", max_length=30, blank=True)
    grade = models.CharField("事件等级", max_length=3, choices=Event.Grade.choices, blank=True)
    phone_minutes = models.PositiveSmallIntegerField("电话报告时限（分钟）")
    written_minutes = models.PositiveSmallIntegerField("书面报告时限（分钟）")
    required = models.BooleanField("须向上级报告", default=True)
    followup_times = models.CharField("每日续报时间", max_length=60, blank=True)
    followup_hours = models.PositiveSmallIntegerField("续报间隔（小时）", null=True, blank=True)
    basis = models.CharField("依据", max_length=100, blank=True)
    updated_at = models.DateTimeField("修订时间", auto_now=True)
    updated_by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="修订人"
    )

    class Meta:
        verbose_name = "报告时限规定"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "category", "subkind", "grade"], name="one_reporting_rule_per_kind_grade"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_category_display()}{self.subkind} {self.get_grade_display()}"

    def clean(self) -> None:
        """A row that can be kept: each deadline at least a minute, the written one not before the phone
        one, and one kind of follow-up schedule."""
        errors = {}
        for name in ("phone_minutes", "written_minutes"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                errors[name] = "时限至少为1分钟"
        phone, written = self.phone_minutes, self.written_minutes
        if phone and written and written < phone:
            errors["written_minutes"] = "书面报告时限不能短于电话报告时限"
        if self.followup_times and self.followup_hours:
            errors["followup_hours"] = "每日续报时间和续报间隔只能填一种"
        elif self.followup_hours == 0:
            errors["followup_hours"] = "续报间隔至少为1小时"
        if errors:
            raise ValidationError(errors)


class ChaseUp(models.Model):
    """催报: a superior office presses a unit below for a report due soon or overdue, or a verification
    reply unanswered; recorded on the event's timeline and counted by supervision."""

    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="chase_ups_sent")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="chase_ups_received")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="chase_ups"
    )
    deadline = models.ForeignKey(
        Deadline, null=True, blank=True, on_delete=models.PROTECT, related_name="chase_ups"
    )
    request = models.ForeignKey(
        VerificationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="chase_ups"
    )
    at = models.DateTimeField("催报时间", default=timezone.now, db_index=True)
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="催报人"
    )
    text = models.CharField("催报内容", max_length=300)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "催报"
        indexes = [models.Index(fields=["to_unit", "at"])]

    def __str__(self) -> str:
        return self.text

    @property
    def answered(self) -> bool:
        """The report or reply it pressed for has been made."""
        if self.deadline_id:
            return not self.deadline.is_open or not self.deadline.event.is_open
        if self.request_id:
            return self.request.phone_replied_at is not None and self.request.written_replied_at is not None
        return True


class ReportAttachment(Attachment):
    """A photo or a scan sent with a report (listed in its Word file), read through the report."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="attachments")
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )

    class Meta(Attachment.Meta):
        verbose_name = "报告附件"
