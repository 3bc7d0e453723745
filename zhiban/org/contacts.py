"""The contacts directory (A1.7): search by name, unit, position, pinyin and initials, with
internal-only numbers shown to people of the contact's own unit and to nobody else."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from zhiban.lib.pinyin import normalise
from zhiban.org.access import Scope
from zhiban.org.models import Contact, ContactKey, ContactNumber

SEARCH_LIMIT = 200


def visible_contacts(scope: Scope, query: str = "", unit=None) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(scope.contact_q()).select_related("unit")
    if unit is not None:
        contacts = contacts.filter(unit=unit)
    query = normalise(query)
    if query:
        ids = ContactKey.objects.filter(key__prefix=query).values("contact_id")
        contacts = contacts.filter(pk__in=ids)
    return contacts.prefetch_related(Prefetch("numbers", queryset=ContactNumber.objects.order_by("id")))


def shown_numbers(contact: Contact, scope: Scope, for_outside: bool = False) -> list[ContactNumber]:
    """The numbers this viewer may see. An export meant for outside the unit never has internal ones."""
    insider = scope.is_member_of(contact.unit_id) and not for_outside
    return [n for n in contact.numbers.all() if insider or not n.internal_only]


def with_shown_numbers(contacts, scope: Scope, for_outside: bool = False) -> list[Contact]:
    rows = list(contacts)
    for contact in rows:
        contact.shown = shown_numbers(contact, scope, for_outside)
        contact.hidden_count = len(contact.numbers.all()) - len(contact.shown)
    return rows
