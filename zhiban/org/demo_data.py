"""Realistic demo organisation: a city, two counties, a development zone, a township and departments,
about 60 people with roles, training, contacts and duty lines. Used by `manage.py demo` and tests."""

from __future__ import annotations

import base64
import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from zhiban.org.models import (
    Contact,
    ContactNumber,
    DutyLine,
    DutyNumberFiling,
    DutyPolicy,
    Person,
    Role,
    RoleAssignment,
    TrainingRecord,
    Unit,
    User,
)

DEMO_PASSWORD = "Zhiban-demo-2026"
# The demo accounts' authenticator (TOTP) secret, the same for all of them so that one entry in an
# authenticator app opens every demo login; `manage.py totp_code USERNAME` prints the current code
# for those without a phone at hand. A demo only: a real account enrols at its first login.
DEMO_TOTP_SECRET = "ZHIBANDEMOZHIBANDEMOZHIBANDEMO22"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单解"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海燕红梅玉兰文斌晓东丽娟春梅国华立新建军"
)

# (key, name, short, kind, parent key, duty office)
UNITS = [
    ("city", "示范市人民政府", "市政府", Unit.Kind.CITY, None, "市政府总值班室"),
    ("donghu", "东湖县人民政府", "东湖县", Unit.Kind.COUNTY, "city", "东湖县政府值班室"),
    ("xishan", "西山县人民政府", "西山县", Unit.Kind.COUNTY, "city", "西山县政府值班室"),
    ("zone", "示范经济开发区管理委员会", "开发区", Unit.Kind.ZONE, "city", "开发区党政办值班室"),
    ("qingshi", "东湖县青石镇人民政府", "青石镇", Unit.Kind.TOWNSHIP, "donghu", "青石镇值班室"),
    ("city_ema", "示范市应急管理局", "市应急局", Unit.Kind.DEPARTMENT, "city", "市应急管理局值班室"),
    ("city_health", "示范市卫生健康委员会", "市卫健委", Unit.Kind.DEPARTMENT, "city", "市卫健委值班室"),
    ("donghu_ema", "东湖县应急管理局", "东湖县应急局", Unit.Kind.DEPARTMENT, "donghu", "东湖县应急局值班室"),
]

# people per unit: (leaders, duty staff)
STAFFING = {
    "city": (4, 10),
    "donghu": (3, 7),
    "xishan": (3, 7),
    "zone": (2, 6),
    "qingshi": (2, 4),
    "city_ema": (1, 3),
    "city_health": (1, 2),
    "donghu_ema": (1, 2),
}
AREA_CODE = {
    "city": "0558",
    "donghu": "0558",
    "xishan": "0558",
    "zone": "0558",
    "qingshi": "0558",
    "city_ema": "0558",
    "city_health": "0558",
    "donghu_ema": "0558",
}

# Named accounts a visitor of the demo can sign in as; every one has DEMO_PASSWORD.
ACCOUNTS = [
    # username, unit key, name, position, roles, system role
    ("admin", "city", "周建国", "总值班室主任", [Role.DUTY_ADMIN, Role.DUTY_STAFF], ""),
    ("city_officer", "city", "单晓东", "总值班室值班员", [Role.DUTY_STAFF], ""),
    ("city_leader", "city", "曾志强", "市政府副秘书长", [Role.LEADER, Role.APPROVER], ""),
    ("inspector", "city", "解文斌", "督查室督查员", [Role.INSPECTOR], ""),
    ("donghu_admin", "donghu", "何丽娟", "县政府办副主任", [Role.DUTY_ADMIN, Role.DUTY_STAFF], ""),
    ("donghu_officer", "donghu", "林海燕", "县政府值班员", [Role.DUTY_STAFF], ""),
    ("xishan_officer", "xishan", "马立新", "县政府值班员", [Role.DUTY_STAFF], ""),
    ("zone_admin", "zone", "罗春梅", "党政办主任", [Role.DUTY_ADMIN, Role.DUTY_STAFF], ""),
]
SYSTEM_ACCOUNTS = [
    ("sysadmin", "系统管理员", User.SystemRole.SYSTEM_ADMIN),
    ("secadmin", "安全管理员", User.SystemRole.SECURITY_ADMIN),
    ("auditadmin", "审计管理员", User.SystemRole.AUDIT_ADMIN),
]


class DemoBuilder:
    def __init__(self, today: dt.date | None = None, seed: int = 2026, password: str = DEMO_PASSWORD):
        self.today = today or timezone.localdate()
        self.rng = random.Random(seed)
        self.password = password
        self.units: dict[str, Unit] = {}
        self.people: dict[str, list[Person]] = {}
        self.used_names: set[str] = set()
        self.mobile_seq = 0

    def build(self) -> dict[str, Unit]:
        with transaction.atomic():
            self._units()
            self._policies()
            self._accounts()
            self._staff()
            self._duty_lines()
            self._contacts()
        return self.units

    # ---------------------------------------------------------------------------------------------
    def _units(self) -> None:
        for order, (key, name, short, kind, parent, office) in enumerate(UNITS):
            self.units[key] = Unit.objects.create(
                name=name,
                short_name=short,
                kind=kind,
                parent=self.units.get(parent),
                order=order * 10,
                duty_office_name=office,
            )
            self.people[key] = []

    def _policies(self) -> None:
        # The city writes down the regulation's numbers as its own implementing rules (B29); the zone,
        # under its own 2024 rules, wants the primary 15 minutes early instead of 10.
        DutyPolicy.objects.create(
            unit=self.units["city"],
            phone_report_minutes=15,
            written_report_minutes=30,
            training_valid_months=12,
        )
        DutyPolicy.objects.create(unit=self.units["zone"], primary_early_minutes=15)

    def _name(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + "".join(
                self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2)))
            )
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def _mobile(self) -> str:
        self.mobile_seq += 1
        return f"139{5580000 + self.mobile_seq:08d}"

    def _person(self, key: str, name: str, position: str, roles, **extra) -> Person:
        self.used_names.add(name)
        unit = self.units[key]
        person = Person.objects.create(
            name=name,
            gender=self.rng.choice("MF"),
            unit=unit,
            position=position,
            rank=extra.pop("rank", "一级科员"),
            mobile=self._mobile(),
            office_phone=f"{AREA_CODE[key]}-{5500000 + len(self.used_names) * 7}",
            order=len(self.people[key]),
            **extra,
        )
        for role in roles:
            RoleAssignment.objects.create(person=person, unit=unit, role=role)
        self.people[key].append(person)
        return person

    def _accounts(self) -> None:
        for username, key, name, position, roles, system_role in ACCOUNTS:
            person = self._person(key, name, position, roles, rank="四级主任科员")
            user = User.objects.create_user(
                username=username, password=self.password, system_role=system_role
            )
            person.user = user
            person.save(update_fields=["user"])
            self._train(person, pre_job_years_ago=3, annual_months_ago=4)
            _demo_authenticator(user)
        for username, name, role in SYSTEM_ACCOUNTS:
            user = User.objects.create_user(
                username=username, password=self.password, first_name=name, system_role=role
            )
            _demo_authenticator(user)

    def _staff(self) -> None:
        for key, (leaders, staff) in STAFFING.items():
            titles = (
                ["副县长", "县政府办主任", "副主任", "调研员"]
                if key in ("donghu", "xishan")
                else ["副市长", "市政府秘书长", "副秘书长", "办公室主任"]
                if key == "city"
                else ["主任", "副主任", "党工委委员"]
                if key == "zone"
                else ["局长", "副局长", "镇长", "副镇长"]
            )
            for i in range(leaders):
                person = self._person(
                    key, self._name(), titles[i % len(titles)], [Role.LEADER], rank="领导职务"
                )
                self._train(person, pre_job_years_ago=5, annual_months_ago=self.rng.randint(1, 10))
            existing = sum(1 for p in self.people[key] if Role.DUTY_STAFF in p.role_set())
            for i in range(max(0, staff - existing)):
                person = self._person(key, self._name(), "值班员" if i % 3 else "科员", [Role.DUTY_STAFF])
                if i == 0 and key in ("donghu", "zone"):
                    continue  # a newcomer: no pre-job training yet, so not cleared for duty (B16)
                if i == 1 and key == "xishan":
                    self._train(person, pre_job_years_ago=3, annual_months_ago=14)  # lapsed
                    continue
                self._train(
                    person,
                    pre_job_years_ago=self.rng.randint(1, 6),
                    annual_months_ago=self.rng.randint(1, 11),
                )
            # One contract worker who is not 正式在编 and so may not keep duty (B2/B24).
            self._person(key, self._name(), "聘用人员", [], is_established=False, duty_eligible=False)

    def _train(self, person: Person, pre_job_years_ago: int, annual_months_ago: int) -> None:
        pre = self.today - dt.timedelta(days=365 * pre_job_years_ago + 30)
        annual = self.today - dt.timedelta(days=30 * annual_months_ago + self.rng.randint(0, 20))
        TrainingRecord.objects.create(
            person=person,
            kind=TrainingRecord.Kind.PRE_JOB,
            date=pre,
            content="值班工作制度、信息报送要求、设施设备操作",
            result="passed",
            organiser="市政府总值班室",
        )
        TrainingRecord.objects.create(
            person=person,
            kind=TrainingRecord.Kind.ANNUAL,
            date=annual,
            content="突发事件信息报告时限与要素（年度业务培训）",
            result="passed",
            organiser="市政府总值班室",
        )

    def _duty_lines(self) -> None:
        for index, (key, unit) in enumerate(self.units.items()):
            base = 5510000 + index * 100
            DutyLine.objects.create(unit=unit, kind=DutyLine.Kind.HOTLINE_24H, number=f"0558-{base}")
            fixed = 1 if key == "city_health" else 2  # one office short of the minimum: shown as a problem
            for n in range(fixed):
                DutyLine.objects.create(unit=unit, kind=DutyLine.Kind.FIXED, number=f"0558-{base + 1 + n}")
            DutyLine.objects.create(unit=unit, kind=DutyLine.Kind.FAX, number=f"0558-{base + 9}")
        # Xishan moved its 24-hour number last month and filed it with the city; not yet acknowledged.
        xishan = self.units["xishan"]
        old = xishan.duty_lines.get(kind=DutyLine.Kind.HOTLINE_24H)
        old.active, old.note = False, "机房改造后停用"
        old.save()
        DutyLine.objects.create(unit=xishan, kind=DutyLine.Kind.HOTLINE_24H, number="0558-5519999")
        DutyNumberFiling.objects.create(
            unit=xishan,
            old_number=old.number,
            new_number="0558-5519999",
            reason="值班室搬迁至县政务服务中心",
            superior=self.units["city"],
            filed_by=self.people["xishan"][0],
        )

    def _contacts(self) -> None:
        for key, unit in self.units.items():
            duty = Contact.objects.create(
                unit=unit,
                kind=Contact.Kind.DUTY_OFFICE,
                name=unit.duty_office,
                organisation=unit.name,
                order=0,
            )
            for line in unit.duty_lines.filter(active=True):
                label = {"fax": "fax", "24h": "duty"}.get(line.kind, "office")
                ContactNumber.objects.create(contact=duty, label=label, number=line.number)
            for order, person in enumerate(self.people[key], start=1):
                roles = person.role_set()
                if Role.LEADER not in roles and Role.DUTY_ADMIN not in roles:
                    continue
                contact = Contact.objects.create(
                    unit=unit,
                    kind=Contact.Kind.LEADER,
                    name=person.name,
                    organisation=unit.name,
                    position=person.position,
                    person=person,
                    order=order,
                )
                ContactNumber.objects.create(contact=contact, label="office", number=person.office_phone)
                # A1.7: a leader's personal mobile is for the unit's own duty staff only.
                ContactNumber.objects.create(
                    contact=contact, label="mobile", number=person.mobile, internal_only=True
                )


def build_demo(today: dt.date | None = None) -> dict[str, Unit]:
    return DemoBuilder(today).build()


# --- the demo command's entry points (lib/management/commands/demo.py) -------------------------------


def loaded() -> bool:
    return Unit.objects.exists()


def load(demo: dict) -> str:
    demo["units"] = build_demo()
    return f"demo units: {Unit.objects.count()} units, {Person.objects.count()} people"


def _demo_authenticator(user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    TOTPDevice.objects.create(user=user, name="演示验证器", key=key, confirmed=True)


def logins() -> list[str]:
    others = ", ".join(a[0] for a in ACCOUNTS[1:]) + ", " + ", ".join(a[0] for a in SYSTEM_ACCOUNTS)
    secret = " ".join(DEMO_TOTP_SECRET[i : i + 4] for i in range(0, len(DEMO_TOTP_SECRET), 4))
    return [
        "  管理员登录 administrator login:  admin / " + DEMO_PASSWORD + "  (市政府总值班室 值班室管理员)",
        f"  other demo logins, same password: {others}",
        f"  二次验证 second factor: add this secret to any authenticator app (time-based): {secret}",
        "    no phone at hand: .venv/bin/python manage.py totp_code admin  (prints the current code)",
    ]
