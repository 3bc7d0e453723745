"""Shift templates and posts, the calendar, exemptions, rosters and their assignments (RULES.md §2)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from zhiban.audit.trail import record_update
from zhiban.lib.files import FileCheck, sensitive_storage
from zhiban.org.caching import bump_unit_activity
from zhiban.org.models import Person, Role, Unit, User
from zhiban.org.policy import effective_policy
from zhiban.org.roles import holds_role
from zhiban.roster.approvals import Approvable, Step


class Post(models.TextChoices):
    """The posts of a shift (B6, B7, B9). The values are the solver's post names."""

    LEADER = "leader", "带班领导"
    PRIMARY = "primary", "主班"
    DEPUTY = "deputy", "副班"
    STANDBY = "standby", "备班"


class DayKind(models.TextChoices):
    WORKDAY = "workday", "工作日"
    WEEKEND = "weekend", "休息日"
    HOLIDAY = "holiday", "法定节假日"
    SENSITIVE = "sensitive", "敏感时期"


class ShiftType(models.Model):
    """One shift of a day for a kind of day, with how many people each post needs. A unit without its
    own shifts for a kind of day uses its parent's (like the duty policy)."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="shift_types")
    day_kind = models.CharField("适用日期", max_length=10, choices=DayKind.choices)
    name = models.CharField("班次名称", max_length=20)
    start = models.TimeField("开始时间")
    hours = models.PositiveSmallIntegerField(
        "时长（小时）", validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    leaders = models.PositiveSmallIntegerField("带班领导（人）", default=0, validators=[MaxValueValidator(5)])
    primaries = models.PositiveSmallIntegerField("主班（人）", default=1, validators=[MaxValueValidator(5)])
    deputies = models.PositiveSmallIntegerField("副班（人）", default=0, validators=[MaxValueValidator(10)])
    standbys = models.PositiveSmallIntegerField("备班（人）", default=0, validators=[MaxValueValidator(5)])
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["unit", "day_kind", "order", "start"]
        verbose_name = "班次"

    def __str__(self) -> str:
        return f"{self.get_day_kind_display()}{self.name}"

    @property
    def night(self) -> bool:
        """A shift that runs past midnight is a night shift (rest after it, counted in fairness)."""
        start_minutes = self.start.hour * 60 + self.start.minute
        return start_minutes + self.hours * 60 > 24 * 60

    def posts(self) -> dict[str, int]:
        counts = {
            Post.LEADER: self.leaders,
            Post.PRIMARY: self.primaries,
            Post.DEPUTY: self.deputies,
            Post.STANDBY: self.standbys,
        }
        return {str(post): n for post, n in counts.items() if n}

    def clean(self) -> None:
        if not self.primaries:
            raise ValidationError({"primaries": "每个班次至少要有一名主班"})
        if not self.standbys:
            raise ValidationError({"standbys": "每个班次至少要有一名备班：每时每刻都须有主班和备班"})


class Holiday(models.Model):
    """A day the official calendar gets wrong or does not have yet: next year's State Council notice,
    a local holiday. `unit` empty: for everyone; otherwise for that unit's subtree."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=30)
    unit = models.ForeignKey(Unit, verbose_name="仅适用于", null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日安排"
        constraints = [
            models.UniqueConstraint(
                fields=["date", "unit"],
                name="holiday_once_per_unit",
                violation_error_message="这一天已有安排",
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(unit=None),
                name="holiday_once_national",
                violation_error_message="这一天已有全国性安排",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SensitivePeriod(models.Model):
    """B9/B10: major events and sensitive periods: more staff, a leader on site around the clock."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="sensitive_periods"
    )
    name = models.CharField("名称", max_length=50)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    staff_factor = models.PositiveSmallIntegerField(
        "值班人员倍数",
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(5)],
        help_text="重大活动和特殊敏感时期值班人员加倍或以上",
    )

    class Meta:
        ordering = ["-start"]
        verbose_name = "敏感时期"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "结束日期不能早于开始日期"})
        if self.start and self.end and self.unit_id:
            overlapping = SensitivePeriod.objects.filter(
                unit_id=self.unit_id, start__lte=self.end, end__gte=self.start
            ).exclude(pk=self.pk)
            other = overlapping.first()
            if other is not None:
                raise ValidationError(
                    {
                        "start": f"与已有的敏感时期“{other.name}”（{other.start}至{other.end}）重叠，请修改那一条"
                    }
                )


class Exemption(Approvable, models.Model):
    """A3.1: a medical exemption from duty. The person applies with the hospital record and the rest
    note; the department head, then the supervising leader approve; the duty office archives it. Only
    an archived exemption keeps the person off the roster."""

    class State(models.TextChoices):
        APPLIED = "applied", "待部门负责人审批"
        HEAD_APPROVED = "head_approved", "待分管领导审批"
        LEADER_APPROVED = "leader_approved", "待值班室备案"
        ARCHIVED = "archived", "已备案生效"
        REJECTED = "rejected", "未批准"

    person = models.ForeignKey(
        Person, verbose_name="申请人", on_delete=models.CASCADE, related_name="exemptions"
    )
    start = models.DateField("免值班开始")
    end = models.DateField("免值班结束")
    reason = models.CharField("原因", max_length=200)
    hospital = models.CharField("就诊医院（三级甲等）", max_length=100)
    # sensitive personal data: sealed at rest (lib.files), read only through exemption_file (audited)
    hospital_record = models.FileField(
        "病历", upload_to="exemptions/%Y/", storage=sensitive_storage, validators=[FileCheck()]
    )
    rest_note = models.FileField(
        "医生休息证明", upload_to="exemptions/%Y/", storage=sensitive_storage, validators=[FileCheck()]
    )
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.APPLIED)
    head_by = models.ForeignKey(
        Person, verbose_name="部门负责人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    head_at = models.DateTimeField(null=True, blank=True)
    leader_by = models.ForeignKey(
        Person, verbose_name="分管领导", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    leader_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        Person, verbose_name="值班室备案人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    rejected_note = models.CharField("不批准理由", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = "免值班申请"

    def __str__(self) -> str:
        return f"{self.person.name} {self.start}至{self.end}"

    # the approval chain (roster.approvals): department head, supervising leader, the duty office
    STEPS = {
        State.APPLIED: Step(Role.APPROVER, State.HEAD_APPROVED, "head"),
        State.HEAD_APPROVED: Step(Role.LEADER, State.LEADER_APPROVED, "leader"),
        State.LEADER_APPROVED: Step(Role.DUTY_ADMIN, State.ARCHIVED, "archived"),
    }
    REJECTED = State.REJECTED
    NOTE_FIELD = "rejected_note"

    def approval_unit(self) -> Unit:
        return self.person.unit

    def applicants(self) -> list[Person]:
        return [self.person]

    @property
    def decided(self) -> bool:
        return self.state in (Exemption.State.ARCHIVED, Exemption.State.REJECTED)

    def may_read_records(self, person: Person | None) -> bool:
        """A3.1/A2.7: the hospital record and the rest note are another person's health data, read by
        the applicant, those who approve (department head, supervising leader) and the duty-office
        administrators only; not by the unit's other staff, an inspector or the system administrators."""
        if person is None:
            return False
        if person.pk == self.person_id:
            return True
        return holds_role(person, (Role.APPROVER, Role.LEADER, Role.DUTY_ADMIN), self.approval_unit())

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "结束日期不能早于开始日期"})
        if self.person_id and self.start and self.end:
            overlapping = Exemption.objects.filter(
                person_id=self.person_id, start__lte=self.end, end__gte=self.start
            )
            overlapping = overlapping.exclude(state=Exemption.State.REJECTED).exclude(pk=self.pk)
            if overlapping.exists():
                first = overlapping.first()
                raise ValidationError({"start": f"与已有的免值班申请（{first.start}至{first.end}）时间重叠"})


class Roster(models.Model):
    """A unit's roster for a period: a draft until published; after that every change is a new version
    and the people affected are told."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="rosters")
    title = models.CharField("名称", max_length=60)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField("版本", default=0)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField(
        "报备时间", null=True, blank=True
    )  # holiday rosters, with the superior office
    solver_status = models.CharField("求解结果", max_length=20, blank=True)
    solver_note = models.TextField("求解说明", blank=True)
    solver_gap = models.FloatField("与最优的差距", null=True, blank=True)  # 0.05: within 5% of the optimum
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "unit__path"]
        verbose_name = "值班表"

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.state == Roster.State.PUBLISHED

    def new_version(self, by: User | None, summary: str) -> int:
        """A published roster changed (a person replaced, a swap carried out): its version rises, with
        what changed and who changed it, in the caller's transaction; who is on duty changed, so the
        unit's duty pages are built afresh."""
        Roster.objects.filter(pk=self.pk).update(version=F("version") + 1)
        version = Roster.objects.values_list("version", flat=True).get(pk=self.pk)
        record_update(self, {"version": version - 1}, {"version": version})
        RosterChange.objects.create(roster=self, version=version, by=by, summary=summary)
        bump_unit_activity(self.unit_id)
        self.version = version
        return version

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def clean(self) -> None:
        if self.start and self.end:
            if not (2000 <= self.start.year <= 2100 and 2000 <= self.end.year <= 2100):
                raise ValidationError({"start": "日期应在2000年至2100年之间"})
            if self.end < self.start:
                raise ValidationError({"end": "结束日期不能早于开始日期"})
            if (self.end - self.start).days > 366:
                raise ValidationError({"end": "一张值班表最长一年"})


class Assignment(models.Model):
    """One person on one post of one shift: a pair of datetimes, since shifts cross midnight."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="assignments")
    day = models.DateField("日期")
    shift_name = models.CharField("班次", max_length=20)
    start = models.DateTimeField("开始", db_index=True)
    end = models.DateTimeField("结束", db_index=True)
    night = models.BooleanField(default=False)
    day_kind = models.CharField(max_length=10, choices=DayKind.choices, default=DayKind.WORKDAY)
    post = models.CharField("岗位", max_length=10, choices=Post.choices)
    person = models.ForeignKey(
        Person, verbose_name="值班人员", on_delete=models.PROTECT, related_name="assignments"
    )
    pinned = models.BooleanField("固定", default=False)
    # A2.3: the next reminder to the person on duty (the day before, then the policy's minutes before);
    # read by roster.jobs.try_remind_one, empty when none is left.
    reminder_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["start", "post", "id"]
        verbose_name = "值班安排"
        constraints = [
            models.UniqueConstraint(
                fields=["roster", "start", "person"], name="assignment_one_post_per_shift"
            ),
        ]
        indexes = [models.Index(fields=["person", "start"])]

    def __str__(self) -> str:
        return f"{self.day} {self.shift_name} {self.get_post_display()} {self.person.name}"

    @property
    def shift_label(self) -> str:
        """The shift as people name it: 3月5日白班."""
        return f"{self.day.month}月{self.day.day}日{self.shift_name}"

    @property
    def label(self) -> str:
        """The post in its shift: 3月5日白班主班."""
        return f"{self.shift_label}{self.get_post_display()}"

    @property
    def hours_label(self) -> str:
        """08:30 至 次日08:30: the end says which day when it is not the start's."""
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        days = (end.date() - start.date()).days
        prefix = {0: "", 1: "次日"}.get(days, f"{end.month}月{end.day}日")
        return f"{start:%H:%M} 至 {prefix}{end:%H:%M}"

    @property
    def label_with_start(self) -> str:
        """3月5日白班主班（08:30起）: for a swap, where two shifts of a day may be meant."""
        return f"{self.label}（{timezone.localtime(self.start):%H:%M}起）"


class SolveRun(models.Model):
    """An auto-solve of a roster, run in the background by the job runner (jobs.try_solve_one): queued by
    a person, claimed by one runner, its progress written as it goes (heartbeat_at every second or so), and
    stopped on request keeping the best roster found. One roster never has two runs queued or running."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在排班"
        DONE = "done", "已完成"
        STOPPED = "stopped", "已停止"
        FAILED = "failed", "已中断"

    ACTIVE = (State.QUEUED, State.RUNNING)

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="solve_runs")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # the runner's sign of life while running: read by jobs.try_solve_one to give up on a dead runner's run
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stop_requested = models.BooleanField(default=False)
    objective = models.FloatField(null=True, blank=True)  # the best roster's score so far (lower is better)
    bound = models.FloatField(null=True, blank=True)  # no roster can score lower
    gap = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    first_seconds = models.FloatField(null=True, blank=True)  # when the first roster was found
    part = models.CharField(max_length=40, blank=True)  # a long period: which month is being solved
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["roster"], condition=Q(state__in=["queued", "running"]), name="one_active_solve"
            )
        ]
        indexes = [models.Index(fields=["state", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.roster}自动排班（{self.get_state_display()}）"

    @property
    def active(self) -> bool:
        return self.state in self.ACTIVE

    @property
    def gap_percent(self) -> float | None:
        return None if self.gap is None else self.gap * 100


class RosterChange(models.Model):
    """A published roster's history: each version, who made it and what changed."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField()

    class Meta:
        ordering = ["-version"]
        verbose_name = "值班表变更"

    def __str__(self) -> str:
        return f"{self.roster} v{self.version}"


class Swap(Approvable, models.Model):
    """A3.2: the 《值班换班申请报告》. The applicant names the partner who agreed, the partner confirms in
    the system, the approvers the policy names approve; only then does the roster change. Until then
    responsibility stays with the person scheduled. A one-sided stand-in (替班) has no partner shift."""

    class Kind(models.TextChoices):
        SWAP = "swap", "换班"
        STAND_IN = "stand_in", "替班"

    class State(models.TextChoices):
        AWAITING_PARTNER = "awaiting_partner", "待对方确认"
        AWAITING_HEAD = "awaiting_head", "待部门负责人审批"
        AWAITING_OFFICE = "awaiting_office", "待值班室审批"
        APPROVED = "approved", "已批准生效"
        REJECTED = "rejected", "未批准"
        WITHDRAWN = "withdrawn", "已撤回"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.SWAP)
    applicant = models.ForeignKey(Person, verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Person, verbose_name="对方", on_delete=models.PROTECT, related_name="+")
    shift = models.ForeignKey(
        Assignment, verbose_name="申请人的班次", on_delete=models.CASCADE, related_name="+"
    )
    partner_shift = models.ForeignKey(
        Assignment,
        verbose_name="对方的班次",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.CharField("换班理由", max_length=200)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.AWAITING_PARTNER)
    partner_confirmed_at = models.DateTimeField(null=True, blank=True)
    head_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    head_at = models.DateTimeField(null=True, blank=True)
    office_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    office_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("意见", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "换班申请"

    def __str__(self) -> str:
        return f"{self.applicant.name}与{self.partner.name}{self.get_kind_display()}"

    # the approval chain (roster.approvals): the partner, the department head (if the policy asks for
    # one), the duty office; the office's note is kept with its approval
    STEPS = {
        State.AWAITING_PARTNER: Step(None, State.AWAITING_HEAD, "partner_confirmed"),
        State.AWAITING_HEAD: Step(Role.APPROVER, State.AWAITING_OFFICE, "head"),
        State.AWAITING_OFFICE: Step(Role.DUTY_ADMIN, State.APPROVED, "office", note_on_approval=True),
    }
    OPEN_STATES = (State.AWAITING_PARTNER, State.AWAITING_HEAD, State.AWAITING_OFFICE)
    REJECTED = State.REJECTED
    NOTE_FIELD = "decision_note"

    @property
    def open(self) -> bool:
        return self.state in Swap.OPEN_STATES

    def approval_unit(self) -> Unit:
        return self.shift.roster.unit

    def applicants(self) -> list[Person]:
        return [self.applicant, self.partner]

    def named_actor(self) -> Person | None:
        return self.partner

    def next_state(self, step: Step) -> str:
        if (
            step.then == Swap.State.AWAITING_HEAD
            and not effective_policy(self.approval_unit()).swap_needs_department_head
        ):
            return Swap.State.AWAITING_OFFICE
        return step.then


class CalendarFeed(models.Model):
    """A secret URL serving a person's or a unit's published shifts as iCal. Anyone holding the URL
    can read it (calendar apps cannot log in); regenerating it revokes the old one."""

    token = models.CharField(max_length=64, unique=True)
    person = models.OneToOneField(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="feed"
    )
    unit = models.OneToOneField(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="feed")
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) ^ Q(unit__isnull=False), name="feed_person_or_unit"
            )
        ]
        verbose_name = "日历订阅"

    def __str__(self) -> str:
        return f"feed {self.person or self.unit}"

    @classmethod
    def renew(cls, *, person: Person | None = None, unit: Unit | None = None) -> CalendarFeed:
        """The person's or the unit's feed with a new secret URL: the old one stops working at once."""
        owner = {"unit": unit} if unit is not None else {"person": person}
        feed, _ = cls.objects.update_or_create(**owner, defaults={"token": secrets.token_urlsafe(32)})
        return feed


class DutyRequest(models.Model):
    """A day a person would rather not be on duty (a wish, not an exemption): the solver avoids it
    when it can, at a cost weighed against fairness."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="duty_requests")
    day = models.DateField("日期")
    note = models.CharField("说明", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "day"],
                name="duty_request_once_a_day",
                violation_error_message="这一天已经登记过",
            )
        ]
        verbose_name = "不便值班日期"

    def __str__(self) -> str:
        return f"{self.person.name} {self.day}"
