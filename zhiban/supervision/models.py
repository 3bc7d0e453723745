"""Supervision (RULES §6): what a superior duty office and the inspectors check, publish and hold people to.

- Spot checks by phone (A2.5, A2.8): who called which line below, how many rings, who answered; more
  rings than the policy allows, no answer, or nobody on post counts as absence from post (视为脱岗).
- Roll calls (一键查岗): many units asked at once to answer on their duty screen within the policy's
  minutes; answered, late, not answered, or nobody on the roster (未报备).
- Inspections with a checklist, circulars (通报) drafted from what was found, signed off and published,
  and the rectification (整改) of each problem, tracked to acceptance (B17).
- The accountability ledger (A2.8, B28): absence, no-shows, late and missed reports, poor execution of
  instructions, false or concealed reports, per unit and person, each naming its source record; appeals
  decided with reasons; outcomes; and commendations (B27), refused to anyone the ledger disqualifies."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from zhiban.incidents.models import Lapse, Report
from zhiban.intake.models import InstructionTarget
from zhiban.lib.attachments import Attachment
from zhiban.lib.text import TEXT_LIMIT
from zhiban.org.models import DutyLine, Person, Unit
from zhiban.shifts.models import CheckIn, Shift


# --- spot checks ---------------------------------------------------------------------------------
class SpotCheck(models.Model):
    class Source(models.TextChoices):
        TYPED = "typed", "手工登记"
        EXCHANGE = "exchange", "交换机"

    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="spot_checks_made")
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="spot_checks", verbose_name="被抽查单位"
    )
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="抽查人"
    )
    at = models.DateTimeField("拨打时间", db_index=True)
    line = models.ForeignKey(
        DutyLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="值班电话"
    )
    number = models.CharField("号码", max_length=50)
    answered = models.BooleanField("有人接听", default=True)
    rings = models.PositiveSmallIntegerField("接听前响铃声数", null=True, blank=True)
    answered_by = models.CharField("接听人", max_length=50, blank=True)
    on_post = models.BooleanField("接听人是当班值班人员", default=True)
    # the policy's limit when the check was made (A2.5: 3 rings), copied so a later edit moves nothing
    ring_limit = models.PositiveSmallIntegerField("响铃声数限制")
    absent = models.BooleanField("视为脱岗", default=False)
    note = models.TextField("情况说明", blank=True, max_length=TEXT_LIMIT)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.TYPED)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "电话抽查"
        indexes = [models.Index(fields=["to_unit", "at"])]

    def __str__(self) -> str:
        return f"{self.to_unit} {self.number}"

    def judge(self) -> None:
        """A2.5: no answer, an answer after more rings than allowed, or nobody on post is absence."""
        late = self.rings is not None and self.rings > self.ring_limit
        self.absent = not self.answered or late or not self.on_post

    @property
    def verdict(self) -> str:
        if not self.answered:
            return "无人接听，视为脱岗"
        if self.rings is not None and self.rings > self.ring_limit:
            return f"响铃{self.rings}声才接听（规定{self.ring_limit}声内），视为脱岗"
        if not self.on_post:
            return "接听人不是当班值班人员，视为脱岗"
        return "在岗"


# --- roll calls ------------------------------------------------------------------------------------
class RollCall(models.Model):
    """一键查岗: the superior office asks many units at once; each answers on its duty screen."""

    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="roll_calls")
    by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="发起人"
    )
    started_at = models.DateTimeField("发起时间", db_index=True)
    minutes = models.PositiveSmallIntegerField("应答时限（分钟）")
    due_at = models.DateTimeField("应答截止")
    scheduled = models.BooleanField("定时点名", default=False)
    # read by supervision.jobs.try_close_roll_call_one: at the deadline, the silent are recorded
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "点名"
        indexes = [models.Index(fields=["closed_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.from_unit.label}点名 {timezone.localtime(self.started_at):%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RollCallTarget(models.Model):
    class Result(models.TextChoices):
        WAITING = "waiting", "等待应答"
        ANSWERED = "answered", "按时应答"
        LATE = "late", "超时应答"
        MISSED = "missed", "未应答"
        UNSTAFFED = "unstaffed", "未报备（无人排班）"

    roll_call = models.ForeignKey(RollCall, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="roll_call_targets")
    staffed = models.BooleanField("有人排班", default=True)
    answered_at = models.DateTimeField("应答时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="应答人"
    )

    class Meta:
        ordering = ["unit__path"]
        verbose_name = "点名对象"
        constraints = [models.UniqueConstraint(fields=["roll_call", "unit"], name="roll_call_unit_once")]
        indexes = [models.Index(fields=["unit", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.roll_call} {self.unit}"

    def result(self, now: dt.datetime | None = None) -> str:
        call = self.roll_call
        if self.answered_at is not None:
            return self.Result.ANSWERED if self.answered_at <= call.due_at else self.Result.LATE
        if not self.staffed:
            return self.Result.UNSTAFFED
        if (now or timezone.now()) <= call.due_at and call.closed_at is None:
            return self.Result.WAITING
        return self.Result.MISSED

    @property
    def seconds(self) -> int | None:
        if self.answered_at is None:
            return None
        return int((self.answered_at - self.roll_call.started_at).total_seconds())


class RollCallSchedule(models.Model):
    """A roll call of the whole subtree at a random moment each day within a window (0:00–5:00)."""

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="roll_call_schedule")
    window_start = models.TimeField("最早", default=dt.time(0, 0))
    window_end = models.TimeField("最晚", default=dt.time(5, 0))
    active = models.BooleanField("启用", default=True)
    # read by supervision.jobs.try_scheduled_roll_call_one
    next_at = models.DateTimeField("下次点名", null=True, blank=True, db_index=True)
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="设置人"
    )

    class Meta:
        verbose_name = "定时点名"

    def __str__(self) -> str:
        return f"{self.unit} {self.window_start:%H:%M}-{self.window_end:%H:%M}"


# --- inspections, circulars, rectification ---------------------------------------------------------
class Inspection(models.Model):
    """B17: an inspection of a unit's duty work against a checklist, with findings and evidence."""

    class State(models.TextChoices):
        OPEN = "open", "检查中"
        DONE = "done", "已完成"

    office = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="inspections_made")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="inspections", verbose_name="被检查单位"
    )
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="检查人"
    )
    at = models.DateTimeField("检查时间", default=timezone.now, db_index=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    summary = models.TextField("检查结论", blank=True, max_length=TEXT_LIMIT)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "检查"

    def __str__(self) -> str:
        return f"{self.unit.label}值班工作检查 {timezone.localtime(self.at):%Y-%m-%d}"

    def findings(self):
        return self.items.filter(ok=False)


class InspectionItem(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=30)
    label = models.CharField("检查项目", max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    ok = models.BooleanField("符合要求", null=True)
    found = models.TextField("系统核对结果", blank=True, max_length=TEXT_LIMIT)
    note = models.TextField("检查发现", blank=True, max_length=TEXT_LIMIT)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "检查项目"
        constraints = [models.UniqueConstraint(fields=["inspection", "key"], name="inspection_item_once")]

    def __str__(self) -> str:
        return self.label


class Evidence(Attachment):
    """A photo or scan kept as evidence: of an inspection finding, a rectification, a ledger entry."""

    item = models.ForeignKey(
        InspectionItem, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    rectification = models.ForeignKey(
        "Rectification", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    entry = models.ForeignKey(
        "LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )

    class Meta(Attachment.Meta):
        verbose_name = "证据材料"


class Circular(models.Model):
    """B17: a circular (通报) of checks over a period, drafted from what was found, signed off by a
    leader, published to the units concerned; each problem it names is rectified by its unit."""

    class State(models.TextChoices):
        DRAFT = "draft", "拟稿"
        PUBLISHED = "published", "已印发"

    office = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="circulars_issued")
    number = models.CharField("文号", max_length=50, blank=True)
    title = models.CharField("标题", max_length=200)
    period_start = models.DateField("起")
    period_end = models.DateField("止")
    body = models.TextField("正文", max_length=20000)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    drafted_by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="拟稿人"
    )
    signed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="签发人"
    )
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    published_at = models.DateTimeField("印发时间", null=True, blank=True)
    units = models.ManyToManyField(Unit, related_name="circulars", blank=True, verbose_name="主送单位")

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = "通报"

    def __str__(self) -> str:
        return self.title


class CircularProblem(models.Model):
    """A problem a circular names, for one unit: it becomes that unit's rectification when published."""

    circular = models.ForeignKey(Circular, on_delete=models.CASCADE, related_name="problems")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    text = models.TextField("问题", max_length=TEXT_LIMIT)
    due_date = models.DateField("整改期限")
    item = models.ForeignKey(
        InspectionItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    spot_check = models.ForeignKey(
        SpotCheck, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    roll_call_target = models.ForeignKey(
        RollCallTarget, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["unit__path", "id"]
        verbose_name = "通报问题"

    def __str__(self) -> str:
        return self.text[:40]


class Rectification(models.Model):
    """整改: what a unit does about a problem, with evidence, accepted or sent back by the superior."""

    class State(models.TextChoices):
        OPEN = "open", "整改中"
        REPORTED = "reported", "已报整改情况"
        ACCEPTED = "accepted", "已验收"

    problem = models.OneToOneField(CircularProblem, on_delete=models.PROTECT, related_name="rectification")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="rectifications", verbose_name="单位"
    )
    owner = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="责任人"
    )
    due_date = models.DateField("整改期限", db_index=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    report = models.TextField("整改情况", blank=True, max_length=TEXT_LIMIT)
    reported_at = models.DateTimeField("报告时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="验收人"
    )
    decided_at = models.DateTimeField("验收时间", null=True, blank=True)
    decision = models.TextField("验收意见", blank=True, max_length=TEXT_LIMIT)
    # read by supervision.jobs.try_rectification_reminder_one: the owner reminded before and after the due date
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = "整改"

    def __str__(self) -> str:
        return f"{self.unit.label}：{self.problem}"

    def overdue(self, today: dt.date | None = None) -> bool:
        return self.state != self.State.ACCEPTED and (today or timezone.localdate()) > self.due_date


# --- accountability, appeals, commendation ---------------------------------------------------------
class LedgerEntry(models.Model):
    """A2.8/B28: one failing of a unit (and, where known, a person), naming the record it comes from."""

    class Kind(models.TextChoices):
        ABSENCE = "absence", "脱岗漏岗"
        LATE_ROLL_CALL = "late_roll_call", "点名超时应答"
        NO_SHOW = "no_show", "未按时到岗"
        LATE_REPORT = "late_report", "迟报"
        MISSED_REPORT = "missed_report", "漏报"
        LATE_VERIFICATION = "late_verification", "核报反馈超时"
        POOR_EXECUTION = "poor_execution", "批示落实不力"
        SHIRKING = "shirking", "推诿扯皮"
        FALSE_REPORT = "false_report", "谎报"
        CONCEALED_REPORT = "concealed_report", "瞒报"

    class State(models.TextChoices):
        STANDING = "standing", "有效"
        APPEALED = "appealed", "申诉中"
        REMOVED = "removed", "申诉成立，已撤销"

    class Outcome(models.TextChoices):
        NONE = "", "—"
        CRITICISED = "criticised", "通报批评"
        ACCOUNTABLE = "accountable", "移交追责"

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name="单位"
    )
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name="责任人",
    )
    kind = models.CharField("情形", max_length=20, choices=Kind.choices)
    at = models.DateTimeField("发生时间", db_index=True)
    minutes = models.PositiveIntegerField("分钟", default=0)
    text = models.CharField("情况", max_length=300)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.STANDING)
    # B28/A2.8: a failing that caused a bad effect or serious consequences, with the outcome decided
    serious = models.BooleanField("造成不良影响或严重后果", default=False)
    outcome = models.CharField("处理", max_length=12, choices=Outcome.choices, blank=True, default="")
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    # the record it comes from: one of these (entered by hand: none, with evidence)
    spot_check = models.OneToOneField(
        SpotCheck, null=True, blank=True, on_delete=models.CASCADE, related_name="ledger_entry"
    )
    roll_call_target = models.OneToOneField(
        RollCallTarget, null=True, blank=True, on_delete=models.CASCADE, related_name="ledger_entry"
    )
    lapse = models.OneToOneField(
        Lapse, null=True, blank=True, on_delete=models.CASCADE, related_name="ledger_entry"
    )
    check_in = models.OneToOneField(
        CheckIn, null=True, blank=True, on_delete=models.CASCADE, related_name="ledger_entry"
    )
    shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.CASCADE, related_name="ledger_entries"
    )
    instruction_target = models.OneToOneField(
        InstructionTarget, null=True, blank=True, on_delete=models.CASCADE, related_name="ledger_entry"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "问责台账"
        indexes = [models.Index(fields=["unit", "at"]), models.Index(fields=["person", "at"])]
        constraints = [
            models.UniqueConstraint(fields=["shift", "person"], name="no_show_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.label} {self.get_kind_display()} {self.text[:30]}"

    @property
    def counts(self) -> bool:
        """Whether it stands against the unit (an upheld appeal removes it, the decision kept)."""
        return self.state != self.State.REMOVED

    def decider(self) -> Unit | None:
        """Who decides an appeal: the office whose finding it is (the spot check's, the roll call's, the
        one who entered it), else the unit's superior."""
        if self.spot_check_id:
            return self.spot_check.from_unit
        if self.roll_call_target_id:
            return self.roll_call_target.roll_call.from_unit
        if self.recorded_by_id and self.recorded_by.unit_id != self.unit_id:
            return self.recorded_by.unit
        return self.unit.parent

    @property
    def disqualifies(self) -> bool:
        """A2.8: a failing that caused a bad effect, or one criticised or taken to account, cancels the
        year's awards."""
        return self.counts and (self.serious or bool(self.outcome))


class Appeal(models.Model):
    """申诉: the unit disputes an entry, with its reasons; the superior decides, with reasons."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="appeals")
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="申诉人"
    )
    at = models.DateTimeField("申诉时间", default=timezone.now)
    reason = models.TextField("申诉理由", max_length=TEXT_LIMIT)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="决定人"
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    upheld = models.BooleanField("申诉成立", null=True)
    decision = models.TextField("决定理由", blank=True, max_length=TEXT_LIMIT)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "申诉"

    def __str__(self) -> str:
        return f"{self.entry} 申诉"


class Commendation(models.Model):
    """B27: a unit or a person commended for duty work well done, in a year."""

    office = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="commendations_given")
    year = models.PositiveSmallIntegerField("年度")
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
        verbose_name="单位",
    )
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
        verbose_name="个人",
    )
    reason = models.TextField("表扬事由", max_length=TEXT_LIMIT)
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        ordering = ["-year", "-at"]
        verbose_name = "表扬"

    def __str__(self) -> str:
        return f"{self.year} {self.person or self.unit}"


class ReportMark(models.Model):
    """The receiving office's judgement of a report, for the information score sheet: adopted into its
    own information (采用), or irregular (报送不规范)."""

    class Kind(models.TextChoices):
        ADOPTED = "adopted", "采用"
        IRREGULAR = "irregular", "报送不规范"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="marks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "报送评价"
        constraints = [models.UniqueConstraint(fields=["report", "kind"], name="report_mark_once")]

    def __str__(self) -> str:
        return f"{self.report} {self.get_kind_display()}"
