"""What people see: no rule code on any page or document, only the buttons, forms and navigation a person may use."""

from __future__ import annotations

import io
import re

import docx
import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.helpers import sign_in
from tests.site.test_access import OBJECT_URLS, POST_ONLY, UNSCOPED_BY_ID

RULE_CODE = re.compile(r"(?<![A-Za-z0-9_])[AB][0-9]{1,2}(?:\.[0-9]+)?(?![0-9A-Za-z_])")


def _words(response) -> str:
    if "wordprocessingml" in response.get("Content-Type", ""):
        word = docx.Document(io.BytesIO(response.content))
        cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in word.paragraphs] + cells)
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_no_rule_code_is_shown_on_any_page_or_in_any_document(org, objects):
    client = org.client(org.county_admin)
    pages = _pages(objects)
    shown = {}
    for url in pages:
        response = client.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").split(";")[0] in (
            "text/html",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ):
            words = _words(response)
            found = [words[max(0, m.start() - 40) : m.end() + 10] for m in RULE_CODE.finditer(words)]
            if found:
                shown[url] = found
    assert len(pages) > 100
    assert shown == {}, "\n".join(f"{u} {c}" for u, c in shown.items())


BUTTON = re.compile(
    r'<a\b[^>]*class="button[^"]*"[^>]*href="([^"#]+)"|<a\b[^>]*href="([^"#]+)"[^>]*class="button'
)


POST_FORM = re.compile(
    r'<form\b[^>]*method="post"[^>]*action="([^"]+)"|<form\b[^>]*action="([^"]+)"[^>]*method="post"'
)


def _offered(client, pages):
    """Every button (a link styled as one) and every form posting somewhere, on the pages a person opens."""
    links, forms = set(), set()
    for url in pages:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        links |= {a or b for a, b in BUTTON.findall(html)}
        forms |= {a or b for a, b in POST_FORM.findall(html)}
        if re.search(r'<form\b(?![^>]*action=)[^>]*method="post"', html):
            forms.add(url)  # a form posting to its own page
    return {u.replace("&amp;", "&") for u in links}, {u.replace("&amp;", "&") for u in forms}


def _pages(objects):
    """Every page of the access table a GET opens: one of each object's, and those without an id."""
    pages = [reverse(n, args=OBJECT_URLS[n][0](objects)) for n in sorted(OBJECT_URLS) if n not in POST_ONLY]
    for name in sorted(UNSCOPED_BY_ID - {"logout", "healthz"}):
        try:
            pages.append(reverse(name))
        except NoReverseMatch:  # a page that needs an argument is reached through the object pages
            continue
    return pages


EVERYONES = {"/logout/", "/password/", "/switch-unit/", "/notices/read-all/"}


@pytest.mark.parametrize("who", ["inspector", "officer", "county_leader", "deputy"])
def test_no_one_is_offered_a_button_or_form_that_refuses_them(org, objects, who):
    client = org.client(getattr(org, who))
    links, forms = _offered(client, _pages(objects))
    refused = {u for u in links if client.get(u).status_code == 403}
    refused |= {u for u in forms - EVERYONES if client.post(u, {}).status_code == 403}
    assert links and refused == set(), "\n".join(sorted(refused))


def test_the_navigation_shows_each_person_the_parts_they_work_in(org):
    from zhiban.org.models import User

    auditor = User.objects.create_user("auditor", password="x", system_role=User.SystemRole.AUDIT_ADMIN)
    nav = {}
    for who, user in (("auditor", auditor), ("officer", org.officer.user)):
        client = Client()
        sign_in(client, user)
        html = client.get("/").content.decode()
        nav[who] = re.findall(r"<nav[^>]*>(.*?)</nav>", html, re.S)[0]
    assert "审计" in nav["auditor"] and not any(w in nav["auditor"] for w in ("来电来访", "突发事件", "排班"))
    assert "来电来访" in nav["officer"] and "审计" not in nav["officer"]
    assert "督查" in nav["officer"]  # its unit's circulars, rectifications and ledger
    assert "归档" not in nav["officer"]  # no placeholder for what is not built
