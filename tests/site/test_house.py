"""The house (DESIGN.md §Layout, README 开发): apps depend downwards only, in the order below. A lower app
that needs something of a higher one gets it through a registry the higher app fills (lib.registry),
never by importing it, not even inside a function."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings

HOUSE = ["lib", "audit", "org", "notify", "roster", "intake", "incidents", "shifts", "supervision", "archive"]


RANK = {app: i for i, app in enumerate(HOUSE)}


ROOT = Path(__file__).resolve().parents[2] / "zhiban"


_MODEL_REFERENCE = re.compile(rf"^({'|'.join(HOUSE)})\.[A-Z]\w*$")  # ForeignKey("roster.Assignment")


def _imported(node: ast.AST, module: str) -> list[str]:
    """The modules an import statement names, relative ones resolved against `module`."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")[: -node.level]
            return [".".join([*base, node.module] if node.module else base)]
        return [node.module or ""]
    return []


def _app_of(name: str) -> str | None:
    """The house app a dotted name (zhiban.roster.models) or a model label (roster.Assignment) is in."""
    parts = name.split(".")
    if len(parts) >= 2 and parts[0] == "zhiban" and parts[1] in RANK:
        return parts[1]
    if _MODEL_REFERENCE.match(name):
        return parts[0]
    return None


def _depends_on(node: ast.AST, module: str) -> list[str]:
    """What one node of a module makes it depend on: imports, import strings ("zhiban.x.jobs"), lazy
    model references ("roster.Assignment") and migration dependencies (("roster", "0001_initial"))."""
    names = _imported(node, module)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        names.append(node.value)
    if (
        isinstance(node, ast.Tuple)
        and len(node.elts) == 2
        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
        and re.match(r"^\d{4}_", node.elts[1].value)
    ):
        names.append(f"zhiban.{node.elts[0].value}")  # a migration of another app
    return names


def upward_imports(root: Path) -> list[str]:
    """Every place where a module of an app depends on a higher app, as "path:line: app → other (name)"."""
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if len(parts) < 2 or parts[0] not in RANK:
            continue  # settings, urls, api: the wiring of all apps, above every one of them
        app = parts[0]
        module = ".".join(["zhiban", *parts[:-1], path.stem])
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            for name in _depends_on(node, module):
                other = _app_of(name)
                if other is not None and RANK[other] > RANK[app]:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {app} → {other} ({name})")
    return found


def test_no_app_depends_on_a_higher_one():
    assert upward_imports(ROOT) == []


def test_installed_apps_stand_in_the_order_of_the_house():
    """The registries (jobs, demo) walk INSTALLED_APPS lowest first: that order is the house's."""
    ours = [name.split(".")[1] for name in settings.INSTALLED_APPS if name.startswith("zhiban.")]
    assert ours == [app for app in HOUSE if app in ours]
    assert ours[:3] == ["lib", "audit", "org"] and "shifts" in ours


def _write(root: Path, relative: str, text: str) -> None:
    path = root / "zhiban" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_house_test_fails_on_each_kind_of_upward_dependency(tmp_path):
    _write(tmp_path, "org/access.py", "def late():\n    from zhiban.roster.models import Roster\n")
    _write(tmp_path, "org/relative.py", "from ..shifts import services\n")
    _write(tmp_path, "notify/jobs.py", "import zhiban.incidents.services\n")
    _write(tmp_path, "lib/registry.py", "import importlib\nimportlib.import_module('zhiban.org.models')\n")
    _write(tmp_path, "audit/models.py", "from django.db import models\nx = models.ForeignKey('org.Person')\n")
    _write(tmp_path, "org/migrations/0009_x.py", "dependencies = [('roster', '0001_initial')]\n")
    _write(
        tmp_path,
        "shifts/services.py",
        "from zhiban.intake.models import Matter\nfrom zhiban.org import roles\n",
    )
    found = upward_imports(tmp_path / "zhiban")
    assert [line.split(": ", 1)[1] for line in found] == [
        "audit → org (org.Person)",
        "lib → org (zhiban.org.models)",
        "notify → incidents (zhiban.incidents.services)",
        "org → roster (zhiban.roster.models)",
        "org → roster (zhiban.roster)",
        "org → shifts (zhiban.shifts)",
    ]
    assert found[3].startswith("zhiban/org/access.py:2:")  # the import inside a function, by its line
