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


def shown_mobiles(scope: Scope, people) -> dict[int, str]:
    """A1.7, one rule for every number: a person's mobile is a personal number, shown to the people of
    the person's own unit (and the person); outside it only where the directory lists it as a public
    number. Lists, the person's page, the API and exports all show what this returns."""
    people = list(people)
    outside = {p.mobile for p in people if p.mobile and not _insider(scope, p)}
    public = set(
        ContactNumber.objects.filter(number__in=outside, internal_only=False).values_list("number", flat=True)
    )
    return {p.pk: p.mobile if (_insider(scope, p) or p.mobile in public) else "" for p in people}


def _insider(scope: Scope, person) -> bool:
    return scope.is_member_of(person.unit_id) or (scope.person is not None and scope.person.pk == person.pk)


def with_shown_mobiles(people, scope: Scope) -> list:
    """The people, each with `shown_mobile` (shown_mobiles) and `mobile_hidden` for the page to say so."""
    rows = list(people)
    shown = shown_mobiles(scope, rows)
    for person in rows:
        person.shown_mobile = shown[person.pk]
        person.mobile_hidden = bool(person.mobile) and not person.shown_mobile
    return rows


def with_shown_numbers(contacts, scope: Scope, for_outside: bool = False) -> list[Contact]:
    rows = list(contacts)
    for contact in rows:
        contact.shown = shown_numbers(contact, scope, for_outside)
        contact.hidden_count = len(contact.numbers.all()) - len(contact.shown)
    return rows
