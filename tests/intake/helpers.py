"""What the intake tests share: a classified urgent fax registered through the page."""

from __future__ import annotations


def register_secret_fax(client):
    return client.post(
        "/intake/documents/new/",
        {
            "kind": "fax",
            "sender": "县委组织部",
            "title": "人事调整方案",
            "classification": "secret",
            "urgency": "extra",
            "pages": 2,
            "received_at": "2026-03-05T10:00",
            "open_matter": "on",
        },
    )
