"""Emergency information (RULES §5): events, their first / follow-up / final reports with the elements of
B19, the phone and written deadlines of B21 counted from the moment the event became known, verification
requests from a superior (B20), and each event's append-only timeline.

Deadlines are indexed columns read by incidents.jobs; the policy that applies is copied onto the event
when it opens, so a later policy edit does not move a running deadline (DESIGN.md)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from zhiban.intake.models import Call, Document, Visit
from zhiban.lib.classification import Classification, carries_mark
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


class Event(models.Model):
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
    grade = models.CharField("事件等级", max_length=3, choices=Grade.choices, blank=True, default="")
    sensitive = models.BooleanField("敏感事件或可能扩大", default=False)
    # the mark its reports carry (GB/T 9704); reading classified reports is a later issue's (A2.7)
    classification = models.CharField(
        "密级", max_length=15, choices=Classification.choices, default=Classification.PUBLIC
    )
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
    # the policy in force when the event opened (B29), copied so that a later edit moves nothing
    phone_minutes = models.PositiveSmallIntegerField("电话报告时限（分钟）")
    written_minutes = models.PositiveSmallIntegerField("书面报告时限（分钟）")
    warning_minutes = models.PositiveSmallIntegerField("提前预警（分钟）")
    missed_after_minutes = models.PositiveIntegerField("逾期未报记为漏报（分钟）")
    phone_due_at = models.DateTimeField("电话报告截止")
    written_due_at = models.DateTimeField("书面报告截止")
    phone_reported_at = models.DateTimeField("电话报告时间", null=True, blank=True)
    written_reported_at = models.DateTimeField("书面报告时间", null=True, blank=True)
    # B21: the next warning, alarm or missed-report check; read by incidents.jobs.try_deadline_one
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
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
    def marked(self) -> bool:
        """The event carries a classification mark (内部 and above): its page and reports show it, and its
        summary goes to nobody who cannot open the event."""
        return carries_mark(self.classification)

    def deadlines(self) -> list[tuple[str, dt.datetime, dt.datetime | None]]:
        return [
            ("phone", self.phone_due_at, self.phone_reported_at),
            ("written", self.written_due_at, self.written_reported_at),
        ]

    def next_check(self, after: dt.datetime) -> dt.datetime | None:
        """The next moment the runner must look at this event: a warning before a deadline not yet met,
        the deadline itself, or the cut-off after which an unmade report counts as missed."""
        moments = []
        for _, due, done in self.deadlines():
            if done is None:
                moments += [
                    due - dt.timedelta(minutes=self.warning_minutes),
                    due,
                    due + dt.timedelta(minutes=self.missed_after_minutes),
                ]
        later = [m for m in moments if m > after]
        return min(later) if later else None


class Report(models.Model):
    """B19: first, numbered follow-up and final reports, by phone (who phoned whom) or in writing."""

    class Kind(models.TextChoices):
        FIRST = "first", "首报"
        FOLLOW_UP = "follow_up", "续报"
        FINAL = "final", "终报"

    class Channel(models.TextChoices):
        PHONE = "phone", "电话报告"
        WRITTEN = "written", "书面报告"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField("报告类别", max_length=10, choices=Kind.choices)
    number = models.PositiveSmallIntegerField("续报次数", default=0)
    channel = models.CharField("报告方式", max_length=10, choices=Channel.choices)
    at = models.DateTimeField("报告时间")
    to_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_received",
        verbose_name="报送单位",
    )
    # A unit with no superior in the system (the city) reports to an office outside it, named by hand
    # (B21/A2.1), until such offices are kept in the system
    to_office = models.CharField("报送的上级值班机构", max_length=100, blank=True)
    phoned_whom = models.CharField("接报人", max_length=50, blank=True)
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="报告人"
    )
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
        indexes = [models.Index(fields=["to_unit", "at"])]

    def __str__(self) -> str:
        label = self.get_kind_display() + (
            f"（第{self.number}次）" if self.kind == self.Kind.FOLLOW_UP else ""
        )
        return f"{self.event} {label}"

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
    request = models.ForeignKey(
        "VerificationRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="lapses"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    what = models.CharField(max_length=20)  # "phone" / "written"
    minutes = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "what", "kind"], name="lapse_once_per_event"),
            models.UniqueConstraint(fields=["request", "what", "kind"], name="lapse_once_per_request"),
        ]
        verbose_name = "迟报漏报"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.what_label} {self.minutes}"

    @property
    def what_label(self) -> str:
        """电话报告 / 书面报告 for an event's report, 电话反馈 / 书面反馈 for a verification reply."""
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
