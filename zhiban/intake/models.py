"""What reaches the duty office and must be recorded and followed through: calls (A1.3/B11), visits
(A1.6), documents and faxes (A1.10), matters with their first receiver (B12/A1.11), mayor hotline tickets
and leader instructions (A1.2/B5).

A record knows its unit and its time, never the shift: the duty log gathers a shift's records by its
time window (DESIGN.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from zhiban.lib.attachments import Attachment
from zhiban.lib.classification import ClassifiedRecord
from zhiban.lib.dates import local_minute
from zhiban.lib.text import TEXT_LIMIT
from zhiban.org.models import Person, Unit


class Call(ClassifiedRecord):
    """A1.3/B11: who called or was called, when, the number, and what was said (when / where / who /
    what / why). A1.5: answered directly or taken to a leader first, and the leader's answer. A2.7/B15:
    a classified call's content stays with those cleared for it."""

    hidden_noun = "电话记录"

    class Direction(models.TextChoices):
        INCOMING = "incoming", "来电"
        OUTGOING = "outgoing", "去电"

    class Handling(models.TextChoices):
        RECORDED = "recorded", "记录备查"
        DIRECT = "direct", "直接答复"
        ESCALATED = "escalated", "请示领导后答复"

    # no index of its own: (unit, at) below serves every query by unit (bench/writes.py: a page less
    # written per call)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="calls", verbose_name="单位", db_index=False
    )
    direction = models.CharField("类型", max_length=10, choices=Direction.choices, default=Direction.INCOMING)
    at = models.DateTimeField("来电/去电时间", default=timezone.now, db_index=True)
    number = models.CharField("电话号码", max_length=30, blank=True)
    name = models.CharField("姓名", max_length=50, blank=True)
    organisation = models.CharField("单位", max_length=100, blank=True)
    position = models.CharField("职务", max_length=50, blank=True)
    content = models.TextField("内容", blank=True, max_length=TEXT_LIMIT)
    content_when = models.CharField("何时", max_length=100, blank=True)
    content_where = models.CharField("何地", max_length=100, blank=True)
    content_who = models.CharField("何人", max_length=100, blank=True)
    content_what = models.CharField("何事", max_length=200, blank=True)
    content_why = models.CharField("何因", max_length=200, blank=True)
    important = models.BooleanField("重要", default=False)
    handling = models.CharField(
        "答复方式", max_length=10, choices=Handling.choices, default=Handling.RECORDED
    )
    leader = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="请示领导",
        db_index=False,  # few calls name one: a partial index (Meta)
    )
    leader_answer = models.TextField("领导答复", blank=True, max_length=TEXT_LIMIT)
    answer = models.TextField("答复内容", blank=True, max_length=TEXT_LIMIT)
    # A1.7: a caller asking for a leader's number: the intent is recorded and the leader told; the number
    # itself is never shown here
    asked_for = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="询问号码的领导",
        db_index=False,  # a partial index (Meta)
    )
    asked_intent = models.CharField("询问意图", max_length=200, blank=True)
    # B11: written material requested from the caller, and when it came
    material_requested = models.BooleanField("已要求报送书面材料", default=False)
    material_received_at = models.DateTimeField("书面材料收到时间", null=True, blank=True)
    # an outgoing notice (电话通知): read back by whom and when, and whether it also went by fax
    notice = models.ForeignKey(
        "PhoneNotice",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calls",
        verbose_name="电话通知",
        db_index=False,  # a partial index (Meta)
    )
    read_back_by = models.CharField("复述人", max_length=50, blank=True)
    read_back_at = models.DateTimeField("复述核对时间", null=True, blank=True)
    faxed = models.BooleanField("已同时传真", default=False)
    # from the phone exchange (CTI): when it rang and how many rings before it was answered (A2.5)
    rang_at = models.DateTimeField("振铃时间", null=True, blank=True)
    answered_at = models.DateTimeField("接听时间", null=True, blank=True)
    rings = models.PositiveSmallIntegerField("响铃声数", null=True, blank=True)
    from_exchange = models.BooleanField("来自电话交换机", default=False)
    taken_by = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls_taken",
        verbose_name="接听人",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "电话记录"
        # The three sparse references (most calls name no leader and belong to no notice) are indexed
        # only where set: every call written costs no page of an index it is not in.
        indexes = [
            models.Index(fields=["unit", "at"]),
            models.Index(fields=["number"]),
            models.Index(fields=["leader"], condition=models.Q(leader__isnull=False), name="call_leader_set"),
            models.Index(
                fields=["asked_for"], condition=models.Q(asked_for__isnull=False), name="call_asked_for_set"
            ),
            models.Index(fields=["notice"], condition=models.Q(notice__isnull=False), name="call_notice_set"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.number or self.name} {local_minute(self.at)}"

    @property
    def incomplete(self) -> bool:
        """Created by the exchange, not yet written up by the officer."""
        return self.from_exchange and not self.content

    def clean(self) -> None:
        errors = {}
        if not self.number and not self.name and not self.organisation:
            errors["number"] = "请填写电话号码或对方姓名、单位，至少一项"
        if self.handling == self.Handling.ESCALATED and self.leader_id is None:
            errors["leader"] = "请示领导后答复的，请选择请示的领导"
        if self.asked_for_id is not None and not self.asked_intent:
            errors["asked_intent"] = "询问领导号码的，请记录其意图"
        if errors:
            raise ValidationError(errors)


class PhoneNoticeQuerySet(models.QuerySet):
    def with_progress(self):
        """Each notice with how many recipients it has, how many repeated it back and how many were faxed."""
        return self.annotate(
            recipient_count=models.Count("calls"),
            read_back_count=models.Count("calls", filter=~models.Q(calls__read_back_by="")),
            faxed_count=models.Count("calls", filter=models.Q(calls__faxed=True)),
        )

    def unfinished(self):
        """B11: notices not yet confirmed: no recipient recorded, or a recipient who has not read it back."""
        calls = Call.objects.filter(notice=models.OuterRef("pk"))
        return self.filter(~models.Exists(calls) | models.Exists(calls.filter(read_back_by="")))

    def confirmed(self):
        """B11: notices every recipient has read back (the others of `unfinished`)."""
        calls = Call.objects.filter(notice=models.OuterRef("pk"))
        return self.filter(models.Exists(calls) & ~models.Exists(calls.filter(read_back_by="")))


class PhoneNotice(models.Model):
    """An outgoing phone notice (电话通知): one text read to several recipients, each a call with its
    read-back; important ones go by fax as well. It is confirmed (B11) once it has recipients and each
    of them has read it back."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="phone_notices", verbose_name="单位"
    )
    title = models.CharField("标题", max_length=100)
    text = models.TextField("通知内容", max_length=TEXT_LIMIT)
    at = models.DateTimeField("通知时间", default=timezone.now, db_index=True)
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="通知人"
    )

    objects = PhoneNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "电话通知"

    def __str__(self) -> str:
        return self.title

    @property
    def awaiting_read_back(self) -> int:
        """Recipients who have not yet repeated it back (of a notice read through with_progress())."""
        return self.recipient_count - self.read_back_count


class Visit(ClassifiedRecord):
    """A1.6: a visitor: who, identity, purpose, reported to which leader and as they arranged."""

    hidden_noun = "来访"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="visits", verbose_name="单位")
    name = models.CharField("姓名", max_length=50)
    identity = models.CharField("身份（证件号或单位职务）", max_length=100)
    organisation = models.CharField("来访单位", max_length=100, blank=True)
    people = models.PositiveSmallIntegerField(
        "人数", default=1, validators=[MinValueValidator(1, "来访人数至少为1人"), MaxValueValidator(1000)]
    )
    purpose = models.TextField("来访事由", max_length=TEXT_LIMIT)
    arrived_at = models.DateTimeField("到达时间", default=timezone.now, db_index=True)
    left_at = models.DateTimeField("离开时间", null=True, blank=True)
    reported_to = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="报告领导"
    )
    arrangement = models.TextField("领导安排", blank=True, max_length=TEXT_LIMIT)
    received_by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="visits_received", verbose_name="接待人"
    )

    class Meta:
        ordering = ["-arrived_at", "-id"]
        verbose_name = "来访登记"
        indexes = [models.Index(fields=["unit", "arrived_at"])]

    def __str__(self) -> str:
        return f"{self.name} {local_minute(self.arrived_at)}"

    def clean(self) -> None:
        if self.left_at and self.arrived_at and self.left_at < self.arrived_at:
            raise ValidationError({"left_at": "离开时间不能早于到达时间"})


class Document(ClassifiedRecord):
    """A1.10: an incoming document or fax, registered by the person who handles it and reports back;
    urgent ones go to the leaders at once."""

    hidden_noun = "文件"
    hidden_part = "标题"

    class Kind(models.TextChoices):
        DOCUMENT = "document", "来文"
        FAX = "fax", "传真"

    class Urgency(models.TextChoices):
        NORMAL = "normal", "平件"
        URGENT = "urgent", "急件"
        EXTRA = "extra", "特急"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="documents", verbose_name="单位")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.DOCUMENT)
    sender = models.CharField("来文单位", max_length=100)
    number = models.CharField("文号", max_length=50, blank=True)
    title = models.CharField("标题", max_length=200)
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    pages = models.PositiveSmallIntegerField(
        "页数", default=1, validators=[MinValueValidator(1, "页数至少为1页"), MaxValueValidator(5000)]
    )
    received_at = models.DateTimeField("收到时间", default=timezone.now, db_index=True)
    handler = models.ForeignKey(
        Person,
        null=True,
        on_delete=models.PROTECT,
        related_name="documents_handled",
        verbose_name="登记办理人",
    )
    handling = models.TextField("办理情况", blank=True, max_length=TEXT_LIMIT)
    reported_back_at = models.DateTimeField("办结反馈时间", null=True, blank=True)
    forwarded_at = models.DateTimeField("呈送领导时间", null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "收文登记"
        indexes = [models.Index(fields=["unit", "received_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def urgent(self) -> bool:
        return self.urgency != self.Urgency.NORMAL

    def title_for(self, reveal: bool) -> str:
        """A2.7/B15: a classified document's title only for those cleared to read it."""
        return self.kept(self.title, reveal)


class Collection(models.Model):
    """A department told to collect a document, and who collected it when."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="collections")
    department = models.CharField("通知领取部门", max_length=100)
    told_at = models.DateTimeField("通知时间", default=timezone.now)
    collected_by = models.CharField("领取人", max_length=50, blank=True)
    collected_at = models.DateTimeField("领取时间", null=True, blank=True)

    class Meta:
        ordering = ["told_at", "id"]
        verbose_name = "领取登记"

    def __str__(self) -> str:
        return f"{self.department} {self.collected_by}"


class DocumentAttachment(Attachment):
    """The scan of a document or fax as it came (A1.10), read through the document."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="attachments")
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )

    class Meta(Attachment.Meta):
        verbose_name = "来文附件"


class Matter(ClassifiedRecord):
    """B12/A1.11: something taken that needs follow-through, owned by its first receiver until it is
    closed, across shifts. A mayor hotline ticket is a matter with a ticket number, due date and reply.
    One taken from a classified call, visit or document carries its classification."""

    hidden_noun = "事项"

    class State(models.TextChoices):
        OPEN = "open", "办理中"
        CLOSED = "closed", "已办结"

    class Source(models.TextChoices):
        CALL = "call", "来电"
        VISIT = "visit", "来访"
        DOCUMENT = "document", "来文"
        HOTLINE = "hotline", "县长热线"
        INSTRUCTION = "instruction", "领导批示"
        OTHER = "other", "其他"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="matters", verbose_name="单位")
    title = models.CharField("事项", max_length=200)
    detail = models.TextField("详情", blank=True, max_length=TEXT_LIMIT)
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.OTHER)
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.PROTECT, related_name="matters")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="matters")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="matters"
    )
    owner = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="matters_owned", verbose_name="首接责任人"
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    opened_at = models.DateTimeField("受理时间", default=timezone.now, db_index=True)
    due_at = models.DateTimeField("办理时限", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    result = models.TextField("办理结果", blank=True, max_length=TEXT_LIMIT)
    ticket_number = models.CharField("热线工单号", max_length=50, blank=True)
    reply = models.TextField("热线答复", blank=True, max_length=TEXT_LIMIT)
    # B12: the owner is reminded while the matter is open; read by intake.jobs.try_remind_matter_one
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = "事项"
        indexes = [models.Index(fields=["unit", "state"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def overdue(self) -> bool:
        """Open past its due date (a hotline ticket's 办理时限)."""
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    def read_by(self, person_id: int) -> bool:
        return self.owner_id == person_id

    def clean(self) -> None:
        if self.source == self.Source.HOTLINE and not self.ticket_number:
            raise ValidationError({"ticket_number": "县长热线事项须填写工单号"})


class MatterStep(models.Model):
    """A matter's history: progress notes, transfers of ownership and closing, in time order."""

    class Kind(models.TextChoices):
        OPENED = "opened", "受理"
        PROGRESS = "progress", "办理进展"
        TRANSFER = "transfer", "移交"
        CARRIED = "carried", "交接班移交"
        CLOSED = "closed", "办结"

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    to = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True, max_length=TEXT_LIMIT)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "事项办理记录"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.text[:30]}"


class Instruction(ClassifiedRecord):
    """A1.2/B5: a leader's instruction, relayed to those who must act, each acknowledging and feeding
    back, and the result reported to the leader."""

    hidden_noun = "领导批示"

    class State(models.TextChoices):
        RELAYED = "relayed", "落实中"
        DONE = "done", "已反馈"
        REPORTED = "reported", "已报告领导"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="instructions", verbose_name="单位")
    leader = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="instructions_given", verbose_name="批示领导"
    )
    given_at = models.DateTimeField("批示时间", default=timezone.now, db_index=True)
    text = models.TextField("批示内容", max_length=TEXT_LIMIT)
    matter = models.ForeignKey(
        Matter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instructions",
        verbose_name="关于事项",
    )
    feedback_due_at = models.DateTimeField("反馈时限")
    state = models.CharField(
        "状态", max_length=10, choices=State.choices, default=State.RELAYED, db_index=True
    )
    result = models.TextField("落实结果", blank=True, max_length=TEXT_LIMIT)
    reported_at = models.DateTimeField("报告领导时间", null=True, blank=True)
    relayed_by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="传达人"
    )

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = "领导批示"

    def __str__(self) -> str:
        return self.text[:40]

    def read_by(self, person_id: int) -> bool:
        return self.leader_id == person_id or self.targets.filter(person_id=person_id).exists()

    def clean(self) -> None:
        if self.feedback_due_at and self.given_at and self.feedback_due_at <= self.given_at:
            raise ValidationError({"feedback_due_at": "反馈时限须晚于批示时间"})


class InstructionTarget(models.Model):
    """One person who must act on an instruction: acknowledged, then feedback."""

    instruction = models.ForeignKey(Instruction, on_delete=models.CASCADE, related_name="targets")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="instructions_to_act", verbose_name="落实人"
    )
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    feedback = models.TextField("反馈", blank=True, max_length=TEXT_LIMIT)
    feedback_at = models.DateTimeField("反馈时间", null=True, blank=True)
    # overdue feedback is reminded; read by intake.jobs.try_remind_feedback_one
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["instruction", "person"], name="instruction_target_once")
        ]
        verbose_name = "批示落实人"

    def __str__(self) -> str:
        return f"{self.instruction} → {self.person}"
