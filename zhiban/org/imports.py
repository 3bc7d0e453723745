"""Excel imports of units and people. A file with any bad row saves nothing and names every bad row."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from zhiban.lib.xlsx import BadWorkbook, read_table
from zhiban.org.access import Scope
from zhiban.org.models import Person, Role, RoleAssignment, Unit

UNIT_COLUMNS = ["单位名称", "简称", "单位类型", "上级单位", "排序", "值班机构名称"]
PERSON_COLUMNS = [
    "姓名",
    "性别",
    "单位",
    "职务",
    "职级",
    "手机",
    "办公电话",
    "正式在编",
    "可安排值班",
    "角色",
]
_YES = {"是", "1", "y", "yes", "true", "√"}
_NO = {"否", "0", "n", "no", "false", "×", ""}


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _messages(error: ValidationError, model) -> list[str]:
    """Each message with the column it is about, as the person sees it in the file."""
    if not hasattr(error, "message_dict"):
        return list(error.messages)
    out = []
    for name, messages in error.message_dict.items():
        try:
            label = model._meta.get_field(name).verbose_name
        except Exception:
            label = ""
        out.extend(f"{label}：{m}" if label else m for m in messages)
    return out


def _by_label(choices) -> dict[str, str]:
    return {label: value for value, label in choices} | {value: value for value, _ in choices}


def import_units(data: bytes, scope: Scope) -> ImportResult:
    """Rows name their parent by name: an existing unit in the importer's scope, or a row above."""
    result = ImportResult()
    kinds = _by_label(Unit.Kind.choices) | {
        "市政府": "city",
        "县政府": "county",
        "区政府": "county",
        "开发区": "zone",
        "乡镇": "township",
        "街道": "township",
        "部门": "department",
    }
    try:
        rows = list(read_table(data, ["单位名称", "单位类型", "上级单位"]))
    except BadWorkbook as e:
        return ImportResult(errors=[str(e)])
    writable = {u.name: u for u in scope.units(write=True)}
    existing = set(Unit.objects.values_list("name", flat=True))
    seen: dict[str, Unit] = {}
    with transaction.atomic():
        for row in rows:
            problems = _import_unit_row(row, kinds, writable, seen, existing, scope)
            result.errors.extend(f"第{row.number}行：{p}" for p in problems)
            if not problems:
                result.created += 1
        if result.errors:
            transaction.set_rollback(True)
            result.created = 0
    return result


def _import_unit_row(row, kinds, writable, seen, existing, scope) -> list[str]:
    name = row.get("单位名称")
    problems = []
    if not name:
        return ["单位名称不能为空"]
    if name in seen or name in existing:
        problems.append(f"单位“{name}”已存在")
    kind = kinds.get(row.get("单位类型"))
    if kind is None:
        problems.append(f"单位类型“{row.get('单位类型')}”不认识，应为：{'、'.join(Unit.Kind.labels)}")
    parent_name = row.get("上级单位")
    parent = seen.get(parent_name) or writable.get(parent_name)
    if parent_name and parent is None:
        problems.append(f"上级单位“{parent_name}”不存在或不在您管理的范围内")
    if not parent_name and not scope.write_all:
        problems.append("请填写上级单位")
    order = row.get("排序") or "0"
    if not order.isdigit():
        problems.append(f"排序“{order}”应为整数")
    if problems:
        return problems
    unit = Unit(
        name=name,
        short_name=row.get("简称"),
        kind=kind,
        parent=parent,
        order=int(order),
        duty_office_name=row.get("值班机构名称"),
    )
    try:
        unit.full_clean()
    except ValidationError as e:
        return _messages(e, Unit)
    unit.save()
    seen[name] = unit
    return []


def import_people(data: bytes, scope: Scope) -> ImportResult:
    """New people by name and unit; a row whose mobile matches an existing person updates them."""
    result = ImportResult()
    try:
        rows = list(read_table(data, ["姓名", "性别", "单位"]))
    except BadWorkbook as e:
        return ImportResult(errors=[str(e)])
    units = {}
    for unit in scope.units(write=True):
        units[unit.name] = unit
        units.setdefault(unit.short_name, unit)
    mobiles_in_file: dict[str, int] = {}
    with transaction.atomic():
        for row in rows:
            problems = _import_person_row(row, units, mobiles_in_file, result)
            result.errors.extend(f"第{row.number}行：{p}" for p in problems)
        if result.errors:
            transaction.set_rollback(True)
            result.created = result.updated = 0
    return result


def _import_person_row(row, units, mobiles_in_file, result) -> list[str]:
    problems: list[str] = []
    genders = _by_label(Person.Gender.choices)
    roles = _by_label(Role.choices) | {
        "管理员": Role.DUTY_ADMIN,
        "领导": Role.LEADER,
        "值班员": Role.DUTY_STAFF,
    }
    unit = units.get(row.get("单位"))
    if unit is None:
        problems.append(f"单位“{row.get('单位')}”不存在或不在您管理的范围内")
    gender = genders.get(row.get("性别"))
    if gender is None:
        problems.append("性别应为“男”或“女”")
    mobile = row.get("手机")
    if mobile in mobiles_in_file:
        problems.append(f"手机号码{mobile}与第{mobiles_in_file[mobile]}行重复")
    elif mobile:
        mobiles_in_file[mobile] = row.number
    role_names = [r for r in row.get("角色").replace("，", ",").replace("、", ",").split(",") if r.strip()]
    role_values = [roles.get(r.strip()) for r in role_names]
    if None in role_values:
        problems.append(f"角色“{row.get('角色')}”不认识，应为：{'、'.join(Role.labels)}")
    flags = {}
    for column in ("正式在编", "可安排值班"):
        value = row.get(column).lower()
        if value not in _YES | _NO:
            problems.append(f"“{column}”应填“是”或“否”")
        flags[column] = value in _YES or value == ""
    if problems:
        return problems
    person = Person.objects.filter(mobile=mobile).first() if mobile else None
    if person is not None and person.unit.name not in units:
        return [f"手机号码{mobile}已登记在您管理范围以外的人员名下"]
    is_new = person is None
    person = person or Person()
    person.name, person.gender, person.unit = row.get("姓名"), gender, unit
    person.position, person.rank = row.get("职务"), row.get("职级")
    person.mobile, person.office_phone = mobile, row.get("办公电话")
    person.is_established, person.duty_eligible = flags["正式在编"], flags["可安排值班"]
    try:
        person.full_clean(validate_unique=False)
    except ValidationError as e:
        return _messages(e, Person)
    person.save()
    for role in role_values:
        RoleAssignment.objects.get_or_create(person=person, unit=unit, role=role)
    if is_new:
        result.created += 1
    else:
        result.updated += 1
    return []
