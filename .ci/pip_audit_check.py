"""pip-audit of the installed, pinned dependencies (the project's .venv): a known vulnerability fails the
run unless .ci/pip-audit-justified.toml justifies it by its id.

pip-audit asks PyPI's JSON API for each package's advisories. Where that API is not served (this
project's build machines reach PyPI's package index only, whose JSON API answers 404), every package
comes back "not found" and pip-audit would say "No known vulnerabilities found" having audited nothing.
That is reported as NOT AUDITED, loudly, instead of passing silently; PIP_AUDIT_REQUIRED=1 (a CI with
the API) makes it a failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
justified = tomllib.loads((ROOT / ".ci/pip-audit-justified.toml").read_text()).get("justified", [])
ignored = {j["id"] for j in justified}
run = subprocess.run(
    [sys.executable, "-m", "pip_audit", "--local", "--format", "json", "--progress-spinner", "off"]
    + [arg for vuln in sorted(ignored) for arg in ("--ignore-vuln", vuln)],
    cwd=ROOT,
    capture_output=True,
    text=True,
)
report = json.loads(run.stdout or "{}")
deps = [d for d in report.get("dependencies", []) if d.get("name") != "zhiban"]
audited = [d for d in deps if "skip_reason" not in d]
vulnerable = [(d["name"], d["version"], v["id"]) for d in audited for v in d.get("vulns", [])]
for name, version, vuln in vulnerable:
    print(f"pip-audit: {name} {version}: {vuln}")
if deps and not audited:
    print(
        f"pip-audit: NOT AUDITED: none of the {len(deps)} installed packages could be looked up "
        "(PyPI's JSON API is not served from this machine)"
    )
    sys.exit(1 if os.environ.get("PIP_AUDIT_REQUIRED") == "1" else 0)
print(
    f"pip-audit: {len(audited)} packages audited, {len(deps) - len(audited)} skipped, {len(vulnerable)} vulnerable"
)
sys.exit(1 if vulnerable or run.returncode not in (0, 1) else 0)
