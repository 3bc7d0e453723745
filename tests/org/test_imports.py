"""Excel imports: a file with any bad row saves nothing, and every bad row is named."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from zhiban.org.imports import PERSON_COLUMNS, UNIT_COLUMNS
from zhiban.org.models import Person, RoleAssignment, Unit


def _xlsx(header, rows) -> io.BytesIO:
    wb = Workbook()
    wb.active.append(header)
    for row in rows:
        wb.active.append(row)
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    data.name = "import.xlsx"
    return data


def test_rule_B2_units_imported_with_parents_named_in_the_file(org):
    upload = _xlsx(
        UNIT_COLUMNS,
        [
            ["东湖县城关镇人民政府", "城关镇", "乡镇（街道）", "东湖县人民政府", 10, ""],
            ["城关镇综合办", "", "部门", "东湖县城关镇人民政府", "", ""],
        ],
    )
    response = org.client(org.county_admin).post("/org/units/import/", {"file": upload})
    assert response.status_code == 302
    office = Unit.objects.get(name="城关镇综合办")
    assert office.parent.name == "东湖县城关镇人民政府" and office.is_in_subtree_of(org.county)


def test_unit_file_with_bad_rows_saves_nothing_and_names_every_row(org):
    upload = _xlsx(
        UNIT_COLUMNS,
        [
            ["好单位", "", "部门", "东湖县人民政府", 1, ""],
            ["坏类型", "", "省政府", "东湖县人民政府", 1, ""],
            ["越权", "", "部门", "西山县人民政府", 1, ""],
            ["东湖县人民政府", "", "部门", "东湖县人民政府", "x", ""],
        ],
    )
    response = org.client(org.county_admin).post("/org/units/import/", {"file": upload})
    errors = response.context["result"].errors
    assert any(e.startswith("第3行：单位类型“省政府”不认识") for e in errors)
    assert "第4行：上级单位“西山县人民政府”不存在或不在您管理的范围内" in errors
    assert "第5行：单位“东湖县人民政府”已存在" in errors and "第5行：排序“x”应为整数" in errors
    assert not any(e.startswith("第2行") for e in errors)
    assert not Unit.objects.filter(name="好单位").exists()


def test_people_imported_with_roles(org):
    upload = _xlsx(
        PERSON_COLUMNS,
        [["王芳", "女", "东湖县人民政府", "值班员", "", "13912340001", "", "是", "是", "值班人员"]],
    )
    response = org.client(org.county_admin).post("/org/people/import/", {"file": upload})
    assert response.status_code == 302
    person = Person.objects.get(name="王芳")
    assert RoleAssignment.objects.filter(person=person, role="duty_staff", unit=org.county).exists()


def test_people_file_with_bad_rows_saves_nothing(org):
    upload = _xlsx(
        PERSON_COLUMNS,
        [
            ["王芳", "女", "东湖县人民政府", "", "", "13912340001", "", "是", "是", ""],
            ["李强", "未知", "东湖县人民政府", "", "", "13912340001", "", "也许", "是", "厨师"],
            ["", "男", "不存在的单位", "", "", "123", "", "", "", ""],
            ["赵六", "男", "东湖县人民政府", "", "", org.officer.mobile, "", "", "", ""],
        ],
    )
    errors = (
        org.client(org.county_admin).post("/org/people/import/", {"file": upload}).context["result"].errors
    )
    row3 = [e for e in errors if e.startswith("第3行")]
    assert "第3行：性别应为“男”或“女”" in row3
    assert "第3行：手机号码13912340001与第2行重复" in row3
    assert "第3行：“正式在编”应填“是”或“否”" in row3
    assert any("角色“厨师”不认识" in e for e in row3)
    assert "第4行：单位“不存在的单位”不存在或不在您管理的范围内" in errors
    assert not Person.objects.filter(name__in=["王芳", "李强", "赵六"]).exists()
    assert Person.objects.get(mobile=org.officer.mobile).name == "林海燕"


def test_not_an_excel_file_is_refused(org):
    upload = io.BytesIO(b"not excel")
    upload.name = "x.xlsx"
    response = org.client(org.county_admin).post("/org/people/import/", {"file": upload})
    assert response.context["result"].errors == ["无法读取文件，请上传 Excel（.xlsx）文件"]
    upload = io.BytesIO(b"x")
    upload.name = "x.csv"
    response = org.client(org.county_admin).post("/org/people/import/", {"file": upload})
    assert response.context["form"].errors["file"] == ["请上传 .xlsx 格式的 Excel 文件"]


def test_export_keeps_numbers_as_text_and_escapes_formulas(org):
    org.officer.position = '=HYPERLINK("http://evil")'
    org.officer.save()
    wb = load_workbook(io.BytesIO(org.client(org.county_admin).get("/org/people/export.xlsx").content))
    rows = {row[0].value: row for row in wb.active.iter_rows(min_row=2)}
    officer = rows["林海燕"]
    assert officer[3].value.startswith("'=")
    assert officer[5].value == org.officer.mobile and officer[5].data_type == "s"


def test_exported_people_file_imports_back_unchanged(org):
    data = org.client(org.county_admin).get("/org/people/export.xlsx").content
    upload = io.BytesIO(data)
    upload.name = "people.xlsx"
    before = Person.objects.count()
    response = org.client(org.county_admin).post("/org/people/import/", {"file": upload})
    assert response.status_code == 302
    assert Person.objects.count() == before
