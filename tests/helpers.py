"""Helpers more than one app's tests use: the text and layout of a Word document."""

from __future__ import annotations

import io

import docx


def official_layout(word):
    """(page number field in the footer, every run black, no Word heading or title style used)."""
    footer = word.sections[0].footer
    runs = [r for p in word.paragraphs for r in p.runs]
    styles = {p.style.name for p in word.paragraphs}
    return (
        "PAGE" in footer._element.xml and footer.paragraphs[0].text.startswith("— "),
        all(r.font.color.rgb == docx.shared.RGBColor(0, 0, 0) for r in runs if r.text.strip()),
        not styles & {"Title", "Heading 1", "Heading 2"},
    )


def word_text(content: bytes) -> str:
    from docx import Document as WordDocument

    word = WordDocument(io.BytesIO(content))
    return "\n".join(cell.text for table in word.tables for row in table.rows for cell in row.cells)


def sign_in(client, user):
    """Signs `client` in as `user` with both factors, as the login does: the password step through
    Django's login (force_login: the login form has its own tests), then the second factor marked on
    the session as the verify page marks it (org.factors.mark_verified), with the person's authenticator
    (made if they have none). Returns the client."""
    from zhiban.org import factors

    client.force_login(user)
    session = client.session
    factors.mark_verified(session, factors.authenticator_device(user))
    session.save()
    return client
