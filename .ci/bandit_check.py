"""bandit on zhiban/, every finding justified in .ci/bandit-justified.toml or the run fails."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
justified = tomllib.loads((ROOT / ".ci/bandit-justified.toml").read_text())["justified"]
allowed = {(j["test"], f) for j in justified for f in j["files"]}
run = subprocess.run(
    [sys.executable, "-m", "bandit", "-r", "zhiban", "-x", "*/migrations/*", "-f", "json", "-q"],
    cwd=ROOT,
    capture_output=True,
    text=True,
)
findings = json.loads(run.stdout)["results"]
unjustified = [f for f in findings if (f["test_id"], f["filename"].removeprefix("./")) not in allowed]
for f in unjustified:
    print(f"{f['filename']}:{f['line_number']}: {f['test_id']} {f['issue_text']}")
print(
    f"bandit: {len(findings)} findings, {len(findings) - len(unjustified)} justified, {len(unjustified)} not"
)
sys.exit(1 if unjustified else 0)
