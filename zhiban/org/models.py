"""Units, people and what hangs off them: roles, contacts, duty lines, duty policy, training."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin

from zhiban.lib.classification import Classification
from zhiban.lib.pinyin import search_keys

mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", "手机号码应为11位数字，以1开头")
phone_validator = RegexValidator(r"^[0-9+\-() 转#]{3,30}$", "电话号码只能包含数字、-、+、括号、空格和“转”")


class UnitMovedUnderItself(ValidationError):
    pass


class Unit(models.Model):
    """A government, zone committee, township or department (B2/B3). `path` is the chain of ids from
    the root ("/1/4/17/"), so a subtree is one indexed prefix query."""

    class Kind(models.TextChoices):
        CITY = "city", "市政府"
        COUNTY = "county", "县（市、区）政府"
        ZONE = "zone", "开发区管委会"
        TOWNSHIP = "township", "乡镇（街道）"
        DEPARTMENT = "department", "部门（单位）"

    # Which kinds may stand under which: city → county/zone → township; each government has departments.
    CHILD_KINDS = {
        Kind.CITY: {Kind.COUNTY, Kind.ZONE, Kind.DEPARTMENT},
        Kind.COUNTY: {Kind.TOWNSHIP, Kind.DEPARTMENT},
        Kind.ZONE: {Kind.TOWNSHIP, Kind.DEPARTMENT},
        Kind.TOWNSHIP: {Kind.DEPARTMENT},
        Kind.DEPARTMENT: {Kind.DEPARTMENT},
    }

    name = models.CharField("单位名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("单位类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField("排序", default=0)
    duty_office_name = models.CharField(
        "值班机构名称", max_length=100, blank=True, help_text="如：市政府总值班室；留空则为“单位名称+值班室”"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    active = models.BooleanField("在用", default=True)
    # what a unit picker's search matches (org.pickers.search_units): every suffix of the names, in
    # characters, pinyin and initials; unit names are few and long, so unlike a person's all are kept
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["path"]
        verbose_name = "单位"

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def duty_office(self) -> str:
        return self.duty_office_name or f"{self.name}值班室"

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def ancestors(self):
        ids = self.ancestor_ids()
        return sorted(Unit.objects.filter(id__in=ids), key=lambda u: ids.index(u.id))

    def subtree(self):
        return Unit.objects.filter(path__startswith=self.path)

    def is_in_subtree_of(self, other: Unit) -> bool:
        return self.path.startswith(other.path)

    def _check_children_fit(self) -> None:
        if not self.pk:
            return
        allowed = Unit.CHILD_KINDS[self.kind]
        bad = {c.get_kind_display() for c in self.children.all() if c.kind not in allowed}
        if bad:
            raise ValidationError(
                {"kind": f"本单位下有“{'、'.join(sorted(bad))}”，不能改为“{self.get_kind_display()}”"}
            )

    def clean(self) -> None:
        if self.parent_id is None:
            self._check_children_fit()
            if self.kind != Unit.Kind.CITY:
                raise ValidationError({"parent": "只有市政府可以作为最上级单位，请选择上级单位"})
            return
        self._check_children_fit()
        parent = self.parent
        if self.pk and parent.path.startswith(self.path):
            raise UnitMovedUnderItself({"parent": "不能把单位移到它自己或它的下级单位之下"})
        if self.kind not in Unit.CHILD_KINDS[parent.kind]:
            raise ValidationError(
                {"kind": f"“{parent.get_kind_display()}”之下不能设“{self.get_kind_display()}”"}
            )

    @staticmethod
    def search_text_for(*names: str) -> str:
        return " ".join(sorted({key for name in names if name for key in search_keys(name)}))

    def save(self, *args, **kwargs) -> None:
        self.search_text = Unit.search_text_for(self.name, self.short_name, self.duty_office_name)
        old_path = None
        if self.pk:
            old_path = Unit.objects.filter(pk=self.pk).values_list("path", flat=True).first()
        super().save(*args, **kwargs)
        new_path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if new_path == old_path:
            return
        new_depth = new_path.count("/") - 2
        if old_path:
            # The unit moved: rewrite its descendants' paths in one statement.
            Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + (new_depth - self.depth),
            )
        Unit.objects.filter(pk=self.pk).update(path=new_path, depth=new_depth)
        self.path, self.depth = new_path, new_depth


PASSWORD_HISTORY = 3  # a new password may not be any of the person's last three (the current included)


class User(AbstractUser):
    """A login. Most users are a Person's account; the three system roles (三员分立) are exclusive by
    construction: one field, one value."""

    class SystemRole(models.TextChoices):
        NONE = "", "无"
        SYSTEM_ADMIN = "system_admin", "系统管理员"
        SECURITY_ADMIN = "security_admin", "安全管理员"
        AUDIT_ADMIN = "audit_admin", "审计管理员"

    system_role = models.CharField(
        "系统角色", max_length=20, choices=SystemRole.choices, blank=True, default=""
    )
    password_changed_at = models.DateTimeField("密码修改时间", default=timezone.now)
    # a first password an administrator set: its owner changes it before anything else
    must_change_password = models.BooleanField("须修改初始密码", default=False)
    # the newest login's mark: with one session per person, a session holding another mark is ended
    session_mark = models.CharField(max_length=32, blank=True, default="", editable=False)
    # the hashes of the passwords before the current one, newest first (PASSWORD_HISTORY - 1 of them):
    # a new password may be none of these nor the current one (org.security.PasswordReuseValidator)
    previous_passwords = models.JSONField(default=list, blank=True, editable=False)

    def set_password(self, raw_password) -> None:
        """Stamps the change (the policy's expiry counts from it) and keeps the hash it replaces; an
        administrator setting a first password raises must_change_password after this."""
        replaced = self.password
        super().set_password(raw_password)
        if replaced and is_password_usable(replaced):
            self.previous_passwords = [replaced, *self.previous_passwords][: PASSWORD_HISTORY - 1]
        self.password_changed_at = timezone.now()
        self.must_change_password = False

    @property
    def reads_audit(self) -> bool:
        """三员分立: the audit administrator, and only they, read the audit trail (audit.views asks)."""
        return self.system_role == User.SystemRole.AUDIT_ADMIN

    def display_name(self) -> str:
        scope = getattr(self, "_zhiban_scope", None)  # a request's scope (org.access) holds the person
        # the scope leaves out a person no longer active; their own record still names them
        person = (scope.person if scope is not None else None) or getattr(self, "person", None)
        return person.name if person else (self.get_full_name() or self.username)


class Person(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="people")
    position = models.CharField("职务", max_length=50, blank=True)
    rank = models.CharField("职级", max_length=50, blank=True)
    mobile = models.CharField("手机", max_length=11, blank=True, validators=[mobile_validator])
    office_phone = models.CharField("办公电话", max_length=30, blank=True, validators=[phone_validator])
    user = models.OneToOneField(
        User, verbose_name="登录账号", null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    active = models.BooleanField("在职", default=True)
    # B2/B24: duty is kept by formal, established staff whom the office judges fit for it.
    is_established = models.BooleanField("正式在编", default=True)
    duty_eligible = models.BooleanField(
        "可安排值班", default=True, help_text="身体状况、业务能力等经单位认可，可排入值班"
    )
    search_text = models.CharField(max_length=400, editable=False, default="", db_index=True)
    order = models.PositiveIntegerField("排序", default=0)
    # A2.7/B15: who may read 秘密 and 机密 records, granted by the security administrator (安全管理员)
    clearance = models.CharField(
        "涉密阅读权限", max_length=20, choices=Classification.choices, default=Classification.INTERNAL
    )
    clearance_granted_by = models.CharField("涉密权限授予人", max_length=100, blank=True)
    clearance_granted_at = models.DateTimeField("涉密权限授予时间", null=True, blank=True)

    class Meta:
        ordering = ["unit__path", "order", "id"]
        verbose_name = "人员"
        constraints = [
            models.UniqueConstraint(
                fields=["mobile"],
                condition=~Q(mobile=""),
                name="person_mobile_unique",
                violation_error_message="该手机号码已登记在其他人员名下",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # One mobile, one person: the constraint guards the table, this names the field for the form and API.
        if self.mobile and Person.objects.filter(mobile=self.mobile).exclude(pk=self.pk).exists():
            raise ValidationError({"mobile": "该手机号码已登记在其他人员名下"})
        if self.pk and self.unit_id:
            stranded = [
                r for r in self.roles.select_related("unit") if not self.unit.path.startswith(r.unit.path)
            ]
            if stranded:
                names = "、".join(f"{r.unit.label}{r.get_role_display()}" for r in stranded)
                raise ValidationError({"unit": f"调整单位前请先移除与新单位不符的角色：{names}"})

    @staticmethod
    def search_text_for(name: str) -> str:
        return " ".join(search_keys(name))[:400]

    def save(self, *args, **kwargs) -> None:
        self.search_text = Person.search_text_for(self.name)
        super().save(*args, **kwargs)

    @property
    def may_keep_duty(self) -> bool:
        """B2/B24: whether this person's record allows scheduling as duty staff at all."""
        return self.active and self.is_established and self.duty_eligible

    def role_set(self) -> set[str]:
        return {r.role for r in self.roles.all()}


class Role(models.TextChoices):
    DUTY_ADMIN = "duty_admin", "值班室管理员"
    LEADER = "leader", "带班领导"
    DUTY_STAFF = "duty_staff", "值班人员"
    APPROVER = "approver", "审批人（部门负责人/分管领导）"
    INSPECTOR = "inspector", "督查人员"


class RoleAssignment(models.Model):
    """A role a person holds in a unit (B6/B8): their own unit or one above it (B6: department heads
    lead the government's duty)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles", verbose_name="人员")
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="role_assignments", verbose_name="单位"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "unit", "role"], name="role_once")]
        verbose_name = "角色"

    def __str__(self) -> str:
        return f"{self.person.name}：{self.unit.label}{self.get_role_display()}"

    def clean(self) -> None:
        if self.person_id and self.unit_id and not self.person.unit.path.startswith(self.unit.path):
            raise ValidationError({"unit": "角色只能设在本人所在单位或其上级单位"})


class Contact(models.Model):
    """An entry of the contacts directory (A1.7): a leader, a department or a unit a duty officer
    must be able to reach."""

    class Kind(models.TextChoices):
        LEADER = "leader", "领导"
        DEPARTMENT = "department", "部门"
        UNIT = "unit", "单位"
        DUTY_OFFICE = "duty_office", "值班室"
        OTHER = "other", "其他"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="contacts", verbose_name="所属单位")
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    name = models.CharField("名称/姓名", max_length=100)
    organisation = models.CharField("单位/部门", max_length=100, blank=True)
    position = models.CharField("职务", max_length=50, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="对应人员"
    )
    note = models.CharField("备注", max_length=200, blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "通讯录条目"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self.index_keys()

    def search_keys(self) -> set[str]:
        """Name, position and organisation, each with pinyin in every reading and initials."""
        return {
            key[:100]
            for text in (self.name, self.position, self.organisation)
            if text
            for key in search_keys(text)
        }

    def index_keys(self) -> None:
        ContactKey.objects.filter(contact=self).delete()
        ContactKey.objects.bulk_create(ContactKey(contact=self, key=k) for k in self.search_keys())


class ContactKey(models.Model):
    """One search key of a contact. A query is a prefix range on an index, not a scan (bench/web.py)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=100)

    class Meta:
        indexes = [
            # PostgreSQL serves LIKE 'q%' from an index only with the pattern operator class; on SQLite
            # this is a plain index on key, which serves GLOB 'q*'.
            models.Index(fields=["key"], name="contactkey_key_pattern", opclasses=["varchar_pattern_ops"]),
        ]
        verbose_name = "通讯录检索键"

    def __str__(self) -> str:
        return self.key


class ContactNumber(models.Model):
    class Label(models.TextChoices):
        OFFICE = "office", "办公电话"
        MOBILE = "mobile", "手机"
        FAX = "fax", "传真"
        DUTY = "duty", "值班电话"
        OTHER = "other", "其他"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="numbers")
    label = models.CharField("类型", max_length=20, choices=Label.choices)
    number = models.CharField("号码", max_length=30, validators=[phone_validator])
    # A1.7: leaders' personal numbers are not given to callers nor shown outside the unit.
    internal_only = models.BooleanField("仅限内部", default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = "联系号码"

    def __str__(self) -> str:
        return f"{self.get_label_display()} {self.number}"


class DutyLine(models.Model):
    """A duty office's line (B23): dedicated fixed lines, fax, and the fixed 24-hour number."""

    class Kind(models.TextChoices):
        FIXED = "fixed", "值班专用固定电话"
        FAX = "fax", "传真"
        HOTLINE_24H = "24h", "24小时值班电话"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="duty_lines", verbose_name="单位")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    number = models.CharField("号码", max_length=30, validators=[phone_validator])
    note = models.CharField("备注", max_length=100, blank=True)
    active = models.BooleanField("在用", default=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = "值班电话"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class DutyNumberFiling(models.Model):
    """B23: a change of the 24-hour number, filed with the superior duty office (备案)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="number_filings", verbose_name="单位"
    )
    old_number = models.CharField("原号码", max_length=30, blank=True)
    new_number = models.CharField("新号码", max_length=30, validators=[phone_validator])
    reason = models.CharField("变更原因", max_length=200)
    filed_at = models.DateTimeField("报备时间", default=timezone.now)
    filed_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    superior = models.ForeignKey(
        Unit, null=True, on_delete=models.SET_NULL, related_name="received_filings", verbose_name="报备至"
    )
    acknowledged_at = models.DateTimeField("上级确认时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = "值班电话变更报备"

    def __str__(self) -> str:
        return f"{self.unit.label}：{self.old_number or '（无）'} → {self.new_number}"

    def acknowledge(self, by: Person | None) -> None:
        """The superior duty office confirms the filing, once."""
        if self.acknowledged_at is None:
            self.acknowledged_at = timezone.now()
            self.acknowledged_by = by
            self.save()


class DutyPolicy(models.Model):
    """A unit's own values of the numbers the rules give (B29). A blank field inherits from the parent;
    the root falls back to POLICY_DEFAULTS in zhiban.org.policy, the one place those numbers are written."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="policy")
    phone_report_minutes = models.PositiveSmallIntegerField("电话报告时限（分钟）", null=True, blank=True)
    written_report_minutes = models.PositiveSmallIntegerField("书面报告时限（分钟）", null=True, blank=True)
    verification_phone_minutes = models.PositiveSmallIntegerField(
        "核报电话反馈时限（分钟）", null=True, blank=True
    )
    verification_written_minutes = models.PositiveSmallIntegerField(
        "核报书面反馈时限（分钟）", null=True, blank=True
    )
    answer_within_rings = models.PositiveSmallIntegerField("接听时限（响铃声数）", null=True, blank=True)
    handover_reminder_minutes = models.PositiveSmallIntegerField("交班前提醒（分钟）", null=True, blank=True)
    primary_early_minutes = models.PositiveSmallIntegerField("主班提前到岗（分钟）", null=True, blank=True)
    min_fixed_lines = models.PositiveSmallIntegerField("值班专用固定电话不少于（部）", null=True, blank=True)
    training_valid_months = models.PositiveSmallIntegerField("培训有效期（月）", null=True, blank=True)
    rest_hours_after_night = models.PositiveSmallIntegerField("夜班后休息（小时）", null=True, blank=True)
    min_days_between_shifts = models.PositiveSmallIntegerField(
        "两次值班尽量间隔（天，按开始日期计）", null=True, blank=True
    )
    swap_needs_department_head = models.PositiveSmallIntegerField(
        "换班须部门负责人审批", null=True, blank=True, validators=[MaxValueValidator(1)]
    )
    matter_reminder_hours = models.PositiveSmallIntegerField(
        "未办结事项提醒间隔（小时）", null=True, blank=True
    )
    instruction_feedback_hours = models.PositiveSmallIntegerField(
        "批示落实反馈时限（小时）", null=True, blank=True
    )
    deadline_warning_minutes = models.PositiveSmallIntegerField(
        "报告时限前预警（分钟）", null=True, blank=True
    )
    missed_after_minutes = models.PositiveIntegerField("逾期未报记为漏报（分钟）", null=True, blank=True)
    phone_report_sign_off = models.PositiveSmallIntegerField(
        "电话报告也须领导签发", null=True, blank=True, validators=[MaxValueValidator(1)]
    )
    roll_call_minutes = models.PositiveSmallIntegerField("点名应答时限（分钟）", null=True, blank=True)
    score_per_report = models.PositiveSmallIntegerField(
        "信息报送评分：每报送一条加（分）", null=True, blank=True
    )
    score_per_adopted = models.PositiveSmallIntegerField(
        "信息报送评分：每采用一条加（分）", null=True, blank=True
    )
    score_per_instructed = models.PositiveSmallIntegerField(
        "信息报送评分：每获领导批示一条加（分）", null=True, blank=True
    )
    deduct_per_late = models.PositiveSmallIntegerField(
        "信息报送评分：每迟报一次减（分）", null=True, blank=True
    )
    deduct_per_missed = models.PositiveSmallIntegerField(
        "信息报送评分：每漏报一次减（分）", null=True, blank=True
    )
    deduct_per_irregular = models.PositiveSmallIntegerField(
        "信息报送评分：每报送不规范一次减（分）", null=True, blank=True
    )
    max_solver_gap_percent = models.PositiveSmallIntegerField(
        "自动排班离最优的差距超过（%）须确认后发布", null=True, blank=True
    )
    brief_cutoff_hour = models.PositiveSmallIntegerField(
        "值班要情每日截止时间（时）", null=True, blank=True, validators=[MaxValueValidator(23)]
    )
    max_consecutive_duty_days = models.PositiveSmallIntegerField(
        "连续值班不超过（天，0为不限）", null=True, blank=True
    )
    max_weekends_per_month = models.PositiveSmallIntegerField(
        "每月周末值班不超过（个，0为不限）", null=True, blank=True
    )
    max_duty_hours_per_month = models.PositiveSmallIntegerField(
        "每月值班不超过（小时，0为不限）", null=True, blank=True
    )

    class Meta:
        verbose_name = "值班工作规则"

    def __str__(self) -> str:
        return f"{self.unit.label}值班工作规则"


class TrainingRecord(models.Model):
    """B16: yearly training for every duty person, pre-job training before a first duty."""

    class Kind(models.TextChoices):
        PRE_JOB = "pre_job", "岗前培训"
        ANNUAL = "annual", "年度业务培训"

    class Result(models.TextChoices):
        PASSED = "passed", "合格"
        FAILED = "failed", "不合格"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="trainings", verbose_name="人员"
    )
    kind = models.CharField("培训类型", max_length=20, choices=Kind.choices)
    date = models.DateField("培训日期")
    content = models.CharField("培训内容", max_length=200)
    result = models.CharField("结果", max_length=10, choices=Result.choices)
    organiser = models.CharField("组织单位", max_length=100, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "培训记录"
        indexes = [models.Index(fields=["person", "date"])]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_kind_display()} {self.date:%Y-%m-%d}"

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "培训日期不能晚于今天"})


class ApiToken(models.Model):
    """A token for an integration (phone exchange, SMS gateway, superior system). Only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        key = "zb_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:8], key_hash=cls.hash_key(key))
        return token, key

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save()

    @classmethod
    def authenticate(cls, key: str) -> User | None:
        token = cls.objects.select_related("user").filter(key_hash=cls.hash_key(key), revoked_at=None).first()
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user


class UnitActivity(models.Model):
    """Per unit, a value rewritten in the same transaction as any change to its duty records (calls,
    visits, documents, matters, instructions, shifts, handovers) or its published roster: pages that
    summarise a unit's duty (一口清) are cached per process for the value their request read."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, primary_key=True, related_name="+")
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "单位值班记录版本"

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.value}"


class DataGeneration(models.Model):
    """One counter, raised in the same transaction as any change to units, people, roles or contacts.
    Each process caches scopes and read-mostly fragments (the unit tree, directory searches) for the
    generation it last read, so a revoked role or an edited number shows on the very next request in
    every worker, and a rolled-back change leaves nothing stale behind."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "数据版本"

    def __str__(self) -> str:
        return str(self.value)


# The least the security policy may ask of a password: MLPS level 3 (8.1.4.1 a) asks for complexity,
# which an assessment reads as at least 3 of the 4 classes; the form refuses less, and the check uses
# at least these whatever a row holds.
PASSWORD_MIN_LENGTH_FLOOR = 8
PASSWORD_CLASSES_FLOOR = 3


class SecurityPolicy(models.Model):
    """The platform's security policy (MLPS level 3), one row, kept by the security administrator (安全
    管理员): passwords, lockout, sessions, audit retention. It is the platform's, not a unit's: a login
    happens before anyone knows the unit, and the three officers (三员) who keep it serve every unit.
    Each default below is written here only (models.SecurityPolicy.objects.get_or_create fills them)."""

    password_min_length = models.PositiveSmallIntegerField(
        "密码最短长度（字符）",
        default=12,
        validators=[
            MinValueValidator(
                PASSWORD_MIN_LENGTH_FLOOR, f"密码最短不能少于{PASSWORD_MIN_LENGTH_FLOOR}个字符"
            ),
            MaxValueValidator(128),
        ],
    )
    password_classes = models.PositiveSmallIntegerField(
        "密码至少包含几类字符（大写、小写、数字、符号）",
        default=3,
        validators=[
            MinValueValidator(
                PASSWORD_CLASSES_FLOOR,
                f"等保三级要求密码有复杂度，至少{PASSWORD_CLASSES_FLOOR}类字符",
            ),
            MaxValueValidator(4),
        ],
    )
    password_max_age_days = models.PositiveSmallIntegerField(
        "密码有效期（天，0 为不过期）", default=90, validators=[MaxValueValidator(3650)]
    )
    account_failure_limit = models.PositiveSmallIntegerField(
        "同一账号连续登录失败几次锁定", default=5, validators=[MinValueValidator(3), MaxValueValidator(20)]
    )
    address_failure_limit = models.PositiveSmallIntegerField(
        "同一地址登录失败几次锁定该地址",
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(1000)],
        help_text="一个值班室常经同一地址上网，应高于账号的次数",
    )
    lockout_minutes = models.PositiveSmallIntegerField(
        "锁定时长（分钟）", default=30, validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        "无操作自动退出（分钟）", default=30, validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )
    session_max_hours = models.PositiveSmallIntegerField(
        "登录最长有效（小时，到时须重新登录）",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
    )
    one_session_per_person = models.BooleanField(
        "每人只能一处登录", default=True, help_text="在别处登录时，原来的登录即失效"
    )
    wall_display_links = models.BooleanField(
        "允许值班大屏专用链接",
        default=True,
        help_text="值班室管理员可为本单位无人值守的大屏电脑登记只读链接，免登录、只能打开值班大屏；"
        "关闭后已登记的链接在半分钟内全部失效，也不能再登记",
    )
    audit_retention_days = models.PositiveSmallIntegerField(
        "审计日志保存（天）",
        default=180,
        validators=[MinValueValidator(180, "审计日志至少保存180天（网络安全法第二十一条）")],
        help_text="更早的记录先导出到审计归档文件，再从数据库中清除",
    )

    class Meta:
        verbose_name = "安全策略"

    def __str__(self) -> str:
        return "安全策略"


class BackupCodes(ThrottlingMixin, Device):
    """A person's backup codes (备用验证码) for when the phone with the authenticator is not at hand:
    each opens one login and is then gone. Only an HMAC of each code is kept (a database reader learns
    none), unlike django-otp's own static tokens."""

    COUNT = 10

    class Meta:
        verbose_name = "备用验证码"

    def get_throttle_factor(self) -> int:
        return 1

    @staticmethod
    def digest(code: str) -> str:
        normal = code.replace("-", "").replace(" ", "").lower()
        return hmac.new(settings.SECRET_KEY.encode(), b"backup-code:" + normal.encode(), "sha256").hexdigest()

    def renew(self) -> list[str]:
        """New codes in place of all the old ones; shown to their owner once."""
        codes = [f"{secrets.randbelow(10**4):04d}-{secrets.randbelow(10**4):04d}" for _ in range(self.COUNT)]
        self.codes.all().delete()
        BackupCode.objects.bulk_create(BackupCode(device=self, code_hash=self.digest(c)) for c in codes)
        return codes

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        used = self.codes.filter(code_hash=self.digest(str(token))).delete()[0]
        if used:
            self.throttle_reset()
        else:
            self.throttle_increment()
        return bool(used)


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodes, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "备用验证码（一个）"

    def __str__(self) -> str:
        return f"{self.device_id}: …"
