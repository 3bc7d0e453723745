"""The archive (RULES §7): backups and their restore drills.

A backup is a file in the backup folder with a manifest beside it (what it holds, table by table, and
where the audit chain stood); its row here says when it was taken, by whom or by the nightly schedule.
A restore drill restores a backup into a scratch database and checks it there: the same counts, an
audit chain that holds."""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from zhiban.org.models import Person, Unit


class BackupPolicy(models.Model):
    """When the job runner takes the nightly backup and how many it keeps: the system administrator's
    (系统管理员), one row for the platform. Each default is written here only."""

    at = models.TimeField("每日备份时间", default=dt.time(2, 30))
    keep = models.PositiveSmallIntegerField(
        "保留最近几份每日备份",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="更早的每日备份文件自动删除；手动备份不自动删除",
    )
    active = models.BooleanField("启用每日备份", default=True)

    class Meta:
        verbose_name = "备份策略"

    def __str__(self) -> str:
        return "备份策略"

    @classmethod
    def current(cls) -> BackupPolicy:
        return cls.objects.get_or_create(pk=1)[0]


class Backup(models.Model):
    class Kind(models.TextChoices):
        NIGHTLY = "nightly", "每日自动备份"
        MANUAL = "manual", "手动备份"

    class State(models.TextChoices):
        QUEUED = "queued", "等待备份"
        RUNNING = "running", "正在备份"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("方式", max_length=10, choices=Kind.choices)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    # the schedule's moment a nightly backup stands for: one per moment, however often the runner restarts
    scheduled_for = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField("提出时间")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField("操作人", max_length=100, blank=True)
    name = models.CharField("文件", max_length=200, blank=True)
    size = models.BigIntegerField("大小（字节）", null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    records = models.BigIntegerField("记录数", null=True, blank=True)
    audit_count = models.BigIntegerField("审计记录数", null=True, blank=True)
    error = models.TextField("错误", blank=True)
    removed_at = models.DateTimeField("按保留份数删除于", null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "备份"
        constraints = [
            models.UniqueConstraint(
                fields=["scheduled_for"],
                condition=Q(scheduled_for__isnull=False) & ~Q(state="failed"),
                name="one_backup_per_scheduled_moment",
            )
        ]

    def __str__(self) -> str:
        return self.name or f"备份 {self.pk}"


class RestoreDrill(models.Model):
    """恢复演练: a backup restored into a scratch database and checked there (A1.12: what is archived
    must be there when it is wanted)."""

    class State(models.TextChoices):
        QUEUED = "queued", "等待演练"
        RUNNING = "running", "正在演练"
        PASSED = "passed", "通过"
        FAILED = "failed", "未通过"

    backup = models.ForeignKey(
        Backup, null=True, blank=True, on_delete=models.SET_NULL, related_name="drills"
    )
    backup_name = models.CharField("备份文件", max_length=200)
    state = models.CharField("结果", max_length=10, choices=State.choices, default=State.QUEUED)
    requested_at = models.DateTimeField("提出时间")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField("操作人", max_length=100, blank=True)
    target = models.CharField("恢复到", max_length=200, blank=True)
    records = models.BigIntegerField("恢复的记录数", null=True, blank=True)
    counts_match = models.BooleanField("各表记录数与备份清单一致", null=True)
    chain_holds = models.BooleanField("审计链校验通过", null=True)
    audit_count = models.BigIntegerField("审计记录数", null=True, blank=True)
    detail = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "恢复演练"

    def __str__(self) -> str:
        return f"恢复演练 {self.backup_name}"


class Volume(models.Model):
    """A1.12: a unit's duty records of a day, a month or a year compiled in time order (成册). Sealing
    (封卷) keeps a content hash of every record in it; a later edit or deletion of one shows as a break
    naming it. A sealed volume is never rebuilt: a new edition, with its reason, takes its place and the
    old one stays as it was sealed."""

    class Period(models.TextChoices):
        DAY = "day", "日卷"
        MONTH = "month", "月卷"
        YEAR = "year", "年卷"

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="volumes")
    period = models.CharField("卷期", max_length=10, choices=Period.choices)
    start = models.DateField("起始日期")
    edition = models.PositiveSmallIntegerField("版次", default=1)
    reason = models.CharField("重新编制原因", max_length=500, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    compiled_at = models.DateTimeField("编制时间")
    compiled_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    compiled_by_name = models.CharField("编制人", max_length=100, blank=True)
    sealed_at = models.DateTimeField("封卷时间", null=True, blank=True)
    sealed_by_name = models.CharField("封卷人", max_length=100, blank=True)
    digest = models.CharField("全卷校验值", max_length=64, blank=True)

    class Meta:
        ordering = ["-start", "period", "-edition"]
        verbose_name = "值班档案卷"
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "start", "edition"], name="one_volume_edition")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def sealed(self) -> bool:
        return self.sealed_at is not None

    @property
    def period_words(self) -> str:
        if self.period == self.Period.DAY:
            return f"{self.start.year}年{self.start.month}月{self.start.day}日"
        if self.period == self.Period.MONTH:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年"

    @property
    def title(self) -> str:
        edition = f"（第{self.edition}版）" if self.edition > 1 else ""
        return f"{self.unit.name}值班档案 {self.period_words}{edition}"

    def end(self) -> dt.date:
        """The first day after the volume's period."""
        if self.period == self.Period.DAY:
            return self.start + dt.timedelta(days=1)
        if self.period == self.Period.MONTH:
            return dt.date(self.start.year + self.start.month // 12, self.start.month % 12 + 1, 1)
        return dt.date(self.start.year + 1, 1, 1)


class VolumeItem(models.Model):
    """One record in a volume, in time order, with the hash of its content when the volume was compiled
    (and so when sealed: a sealed volume is never recompiled)."""

    volume = models.ForeignKey(Volume, on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveIntegerField("序号")
    kind = models.CharField("类别", max_length=20)
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    at = models.DateTimeField("时间")
    title = models.CharField("标题", max_length=300)
    digest = models.CharField("校验值", max_length=64)

    class Meta:
        ordering = ["volume", "seq"]
        verbose_name = "卷内记录"
        constraints = [models.UniqueConstraint(fields=["volume", "seq"], name="one_item_per_seq")]

    def __str__(self) -> str:
        return f"{self.seq} {self.title}"


class SearchEntry(models.Model):
    """B26: one duty record as the information base finds it: its unit and classification (to filter by
    who may read it), when, a title and an excerpt to show, and `tokens`, the words it is found by (every
    Chinese character and pair of characters, names in pinyin and initials, numbers by their digits),
    indexed by SQLite FTS5 or a PostgreSQL GIN full-text index (migration 0003)."""

    kind = models.CharField("类别", max_length=20)
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    at = models.DateTimeField("时间")
    title = models.CharField("标题", max_length=300)
    excerpt = models.TextField("摘要", blank=True)
    classification = models.CharField("密级", max_length=20, default="public")
    tokens = models.TextField(blank=True)

    class Meta:
        verbose_name = "检索条目"
        constraints = [models.UniqueConstraint(fields=["model", "object_id"], name="one_entry_per_record")]
        indexes = [models.Index(fields=["unit", "at"], name="archive_search_unit_at")]

    def __str__(self) -> str:
        return self.title


class PendingEntry(models.Model):
    """A record saved since the information base last caught up (B26): one small row written in the
    record's own transaction, its entry written soon after by the job runner, or first by the next
    search, in batches (search.drain). The save, the busiest write there is, so does not pay for the
    full-text index one record at a time, and a search still never misses a record that was saved."""

    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)

    class Meta:
        verbose_name = "待索引记录"

    def __str__(self) -> str:
        return f"{self.model} {self.object_id}"


class Brief(models.Model):
    """值班要情 (daily) and its monthly summary: drafted from the records at the policy's cut-off, edited,
    checked (核稿), signed off by a leader (签发), then sent to the office above and the units chosen.
    Numbered per office, kind and year (期号)."""

    class Kind(models.TextChoices):
        DAILY = "daily", "值班要情"
        MONTHLY = "monthly", "值班要情（月度汇总）"

    class State(models.TextChoices):
        DRAFT = "draft", "待核稿"
        CHECKED = "checked", "已核稿待签发"
        SIGNED = "signed", "已签发待发送"
        SENT = "sent", "已发送"

    unit = models.ForeignKey(Unit, verbose_name="编发单位", on_delete=models.PROTECT, related_name="briefs")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.DAILY)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("期号")
    since = models.DateTimeField("起")
    until = models.DateTimeField("止")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    body = models.TextField("正文", max_length=20000)
    drafted_at = models.DateTimeField("生成时间")
    checked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField("核稿时间", null=True, blank=True)
    signed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    to_units = models.ManyToManyField(
        Unit, blank=True, related_name="briefs_received", verbose_name="抄送单位"
    )

    class Meta:
        ordering = ["-since", "-id"]
        verbose_name = "值班要情"
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "year", "number"], name="one_brief_number"),
            models.UniqueConstraint(fields=["unit", "kind", "since"], name="one_brief_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}年第{self.number}期"

    @property
    def sent(self) -> bool:
        return self.state == self.State.SENT
