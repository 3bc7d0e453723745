"""Screenshots of what each demo persona sees, for a reviewer who does not log in (issue 16):

    make screenshots            # or: .venv/bin/python tools/screenshots.py [--out var/screenshots]

Builds the demo (`manage.py demo`) in a fresh temporary var/, serves it with granian, signs each demo
account in (a session with both factors, as bench/web.py makes one) and has Debian's chromium save:

- desk-<account>.png       工作台 of each demo persona at 1440×900 (the whole page)
- desk-<account>-phone.png the same at a phone's 390×844 for the officer and the leader
- duty-desk.png            一口清 of 东湖县's officer
- wall.png                 the wall board at 1920×1080
- roster-month.png         the roster's month grid, and roster-month.pdf as chromium prints it
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web import SESSION_SNIPPET, manage, wait_for_server  # noqa: E402

PERSONAS = ["admin", "city_officer", "city_leader", "inspector", "donghu_admin", "donghu_officer"]
PHONE = ["donghu_officer", "city_leader"]
ROSTER_SNIPPET = """
from zhiban.roster.models import Roster
from django.utils import timezone
today = timezone.localdate()
r = (Roster.objects.filter(unit__short_name="东湖县", state="published", start__lte=today, end__gte=today).first()
     or Roster.objects.filter(state="published").order_by("-start").first())
print(r.pk if r else "")
"""


def session_for(env: dict, username: str) -> str:
    snippet = SESSION_SNIPPET.replace('username="admin"', f'username="{username}"')
    return manage(env, "shell", "-c", snippet).strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "var" / "screenshots"))
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    var = Path(tempfile.mkdtemp(prefix="zhiban-shots-"))
    env = {**os.environ, "ZHIBAN_VAR_DIR": str(var), "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    manage(env, "migrate", "-v0")
    manage(env, "demo")
    sessions = {name: session_for(env, name) for name in PERSONAS}
    roster = manage(env, "shell", "-c", ROSTER_SNIPPET).strip().splitlines()[-1]
    granian = str(Path(sys.executable).parent / "granian")
    server = subprocess.Popen(
        [
            granian,
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "zhiban.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_for_server(args.port)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)

            def tab(name: str, width: int, height: int):
                context = browser.new_context(
                    base_url=base,
                    locale="zh-CN",
                    timezone_id="Asia/Shanghai",
                    viewport={"width": width, "height": height},
                )
                context.add_cookies([{"name": "sessionid", "value": sessions[name], "url": base}])
                return context.new_page()

            def shot(page, path: str, file: str, full: bool = True) -> None:
                page.goto(path)
                page.wait_for_load_state("networkidle")
                time.sleep(0.3)  # the countdowns' first tick
                page.screenshot(path=str(out / file), full_page=full)
                print(out / file)

            for name in PERSONAS:
                page = tab(name, 1440, 900)
                shot(page, "/", f"desk-{name}.png")
                page.context.close()
            for name in PHONE:
                page = tab(name, 390, 844)
                shot(page, "/", f"desk-{name}-phone.png")
                page.context.close()
            page = tab("donghu_officer", 1440, 900)
            shot(page, "/duty/", "duty-desk.png")
            page.context.close()
            page = tab("donghu_officer", 1920, 1080)
            shot(page, "/board/wall/", "wall.png", full=False)
            page.context.close()
            if roster:
                page = tab("donghu_admin", 1440, 900)
                shot(page, f"/roster/{roster}/calendar/", "roster-month.png")
                page.pdf(path=str(out / "roster-month.pdf"), prefer_css_page_size=True, print_background=True)
                print(out / "roster-month.pdf")
                page.context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
