"""The shift itself: a published roster's shift come alive, with check-in (B7), leave from the room
(A2.2), free log entries, equipment and the handover signed by both sides (B14/A2.4).

What happened in a shift is not stored on it: the duty log gathers the unit's calls, visits, documents,
matters and instructions inside the shift's time window (DESIGN.md: `shifts` reads `intake`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import models
from django.utils import timezone

from zhiban.intake.models import Matter
from zhiban.lib.classification import ClassifiedRecord
from zhiban.lib.dates import local_minute
from zhiban.lib.text import ENTRY_LIMIT, TEXT_LIMIT
from zhiban.org.models import Person, Unit


class Equipment(models.Model):
    """A duty room's equipment whose status is checked at every handover."""

    class Kind(models.TextChoices):
        PHONE = "phone", "电话线路"
        FAX = "fax", "传真机"
        COMPUTER = "computer", "计算机"
        PRINTER = "printer", "打印机"
        OTHER = "other", "其他"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="equipment", verbose_name="单位")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("在用", default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "设施设备"

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """One shift of one unit, as its published roster has it. Closed only by a signed handover."""

    class State(models.TextChoices):
        OPEN = "open", "值班中"
        CLOSED = "closed", "已交班"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="shifts", verbose_name="单位")
    day = models.DateField("日期")
    name = models.CharField("班次", max_length=20)
    start = models.DateTimeField("开始", db_index=True)
    end = models.DateTimeField("结束", db_index=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    # A2.3: at the start, whether the incoming primary has checked in; read by shifts.jobs.try_watch_arrival_one
    arrival_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    absent_alerted_at = models.DateTimeField("未到岗告警时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = "班次"
        constraints = [models.UniqueConstraint(fields=["unit", "start", "end"], name="shift_once")]

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{self.unit.label} {local:%Y-%m-%d} {self.name}"

    def phase(self, now) -> str:
        """What the shift is at `now`: 未开始, 值班中, 待交班 (ended, no signed handover) or 已交班."""
        if self.state == self.State.CLOSED:
            return "已交班"
        if now < self.start:
            return "未开始"
        return "值班中" if now < self.end else "待交班"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class CheckIn(models.Model):
    """B7: arrival at the duty room; the primary is due the policy's minutes before the start."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="check_ins")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="check_ins")
    post = models.CharField("岗位", max_length=10)
    at = models.DateTimeField("签到时间")
    due_at = models.DateTimeField("应到时间")
    minutes_late = models.PositiveIntegerField("迟到（分钟）", default=0)

    class Meta:
        ordering = ["at"]
        constraints = [models.UniqueConstraint(fields=["shift", "person"], name="check_in_once")]
        verbose_name = "到岗签到"

    def __str__(self) -> str:
        return f"{self.person} {local_minute(self.at)}"


class Leave(models.Model):
    """A2.2: a deputy's leave from the duty room, asked of the primary; the last person may not leave."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="leaves")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="离岗人")
    approved_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name="同意人（主班）"
    )
    reason = models.CharField("事由", max_length=200)
    left_at = models.DateTimeField("离开时间", default=timezone.now)
    back_at = models.DateTimeField("返回时间", null=True, blank=True)

    class Meta:
        ordering = ["left_at"]
        verbose_name = "离岗登记"

    def __str__(self) -> str:
        return f"{self.person} {self.reason}"


class LogEntry(ClassifiedRecord):
    """A free entry in the duty log; emergencies are logged step by step in time order (B13). A
    classified one is read in the log by its unit's duty staff cleared for it (A2.7/B15)."""

    hidden_noun = "值班记事"

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField("时间", default=timezone.now)
    text = models.TextField("内容", max_length=ENTRY_LIMIT)
    emergency = models.BooleanField("突发事件", default=False)
    by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="记录人"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "值班记事"

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def unit_id(self) -> int:
        return self.shift.unit_id


class Handover(models.Model):
    """B14/A2.4: prepared by the outgoing shift, signed in person by one of each side."""

    shift = models.OneToOneField(Shift, on_delete=models.CASCADE, related_name="handover")
    situation = models.TextField("值班情况", max_length=TEXT_LIMIT)
    prepared_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name="交班准备人"
    )
    prepared_at = models.DateTimeField(default=timezone.now)
    incoming = models.ForeignKey(
        Shift,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handed_over_by",
        verbose_name="接班班次",
    )
    outgoing_signer = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="交班人"
    )
    incoming_signer = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="接班人"
    )
    signed_at = models.DateTimeField("交接时间", null=True, blank=True)

    class Meta:
        verbose_name = "交接班"

    def __str__(self) -> str:
        return f"{self.shift} 交接班"

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    @property
    def version(self) -> str:
        """What the signers saw: a changed preparation makes their signatures refused."""
        return self.prepared_at.isoformat() if self.prepared_at else ""


class EquipmentCheck(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="equipment_checks")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="+")
    working = models.BooleanField("正常", default=True)
    note = models.CharField("故障说明", max_length=200, blank=True)

    class Meta:
        ordering = ["equipment__order", "equipment_id"]
        verbose_name = "设备检查"

    def __str__(self) -> str:
        return f"{self.equipment} {'正常' if self.working else '故障'}"


class HandoverItem(models.Model):
    """An open matter handed over, with a suggestion for how to continue."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="handover_items")
    suggestion = models.TextField("后续办理建议", max_length=TEXT_LIMIT)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["handover", "matter"], name="handover_item_once")]
        verbose_name = "移交事项"

    def __str__(self) -> str:
        return f"{self.matter} {self.suggestion[:30]}"


class WallDisplay(models.Model):
    """A duty room's wall screen (值班大屏) shown without anyone signed in: an unattended PC would be
    signed out by the security policy's idle timeout. The unit's duty-office administrator registers it
    and gets a link with a long random key, shown once; only the key's hash is kept. The key opens that
    unit's wall board and its poll, read-only, and nothing else; it stops at once when revoked, and
    every one stops when the security policy turns the links off."""

    KEY_PREFIX = "zbw_"
    SEEN_EVERY = dt.timedelta(minutes=5)  # last_seen_at is written at most this often

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="wall_displays", verbose_name="单位"
    )
    name = models.CharField("名称", max_length=50, help_text="如：值班室东墙大屏")
    prefix = models.CharField("链接前缀", max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    created_by = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    last_seen_at = models.DateTimeField("最近显示", null=True, blank=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="停用人"
    )

    class Meta:
        ordering = ["revoked_at", "-created_at", "-id"]  # those in use first
        verbose_name = "值班大屏链接"

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, unit: Unit, name: str, by: Person | None) -> tuple[WallDisplay, str]:
        """A new display and its key (to be shown once: it is kept nowhere)."""
        key = cls.KEY_PREFIX + secrets.token_urlsafe(32)
        display = cls.objects.create(
            unit=unit, name=name, prefix=key[:12], key_hash=cls.hash_key(key), created_by=by
        )
        return display, key

    def revoke(self, by: Person | None) -> bool:
        """Stops the display at once; False if it was already stopped."""
        if self.revoked_at is not None:
            return False
        self.revoked_at, self.revoked_by = timezone.now(), by
        self.save(update_fields=["revoked_at", "revoked_by"])
        return True

    @classmethod
    def opened_by(cls, key: str) -> WallDisplay | None:
        """The display in use that `key` opens, its unit active; it is marked as seen now and then."""
        if not key.startswith(cls.KEY_PREFIX) or len(key) > 100:
            return None
        display = (
            cls.objects.select_related("unit")
            .filter(key_hash=cls.hash_key(key), revoked_at=None, unit__active=True)
            .first()
        )
        if display is not None:
            now = timezone.now()
            if display.last_seen_at is None or now - display.last_seen_at > cls.SEEN_EVERY:
                cls.objects.filter(pk=display.pk).update(last_seen_at=now)  # not a person's write
        return display
