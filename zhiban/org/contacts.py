"""The contacts directory (A1.7): search by name, unit, position, pinyin and initials, with
internal-only numbers shown to people of the contact's own unit and to nobody else."""

from __future__ import annotations

from django.db import connection
from django.db.models import Prefetch, QuerySet

from zhiban.lib.lookups import prefix_pattern
from zhiban.lib.paging import Page
from zhiban.lib.pinyin import normalise
from zhiban.org.access import Scope, scope_key
from zhiban.org.caching import GenerationCache
from zhiban.org.models import Contact, ContactKey, ContactNumber, Unit

SEARCH_LIMIT = 200
LIST_ORDER = ("unit__path", "order", "id")


def visible_contacts(scope: Scope, query: str = "", unit=None) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(scope.contact_q()).select_related("unit")
    if unit is not None:
        contacts = contacts.filter(unit=unit)
    query = normalise(query)
    if query:
        ids = ContactKey.objects.filter(key__prefix=query).values("contact_id")
        contacts = contacts.filter(pk__in=ids)
    return contacts.prefetch_related(Prefetch("numbers", queryset=ContactNumber.objects.order_by("id")))


def shown_numbers(
    contact: Contact, scope: Scope, for_outside: bool = False, numbers=None
) -> list[ContactNumber]:
    """The numbers this viewer may see. An export meant for outside the unit never has internal ones."""
    insider = scope.is_member_of(contact.unit_id) and not for_outside
    return [
        n for n in (contact.numbers.all() if numbers is None else numbers) if insider or not n.internal_only
    ]


# --- the directory's search as typed -------------------------------------------------------------------
# Each key typed is a new query: Django compiling the page's statement (the viewer's scope, the key
# prefix, the order) cost several times running it (bench/web.py's cold searches). So it is compiled once
# per viewer scope and page, with a value no one types in place of the query, and run with each query.

_TYPED = "\x00"
_COLUMNS = ("id", "unit_id", "kind", "name", "organisation", "position", "person_id", "note", "order")
_UNIT_COLUMNS = ("unit__name", "unit__short_name")
_statements = GenerationCache(size=2000)  # (scope, page, size) -> (sql, params, the query's place)


def search_page(scope: Scope, query: str, number: int, size: int) -> Page:
    """Page `number` of the contacts `query` finds for this viewer, ordered as the directory lists
    them, each with `shown` and `hidden_count` (with_shown_numbers): the same rows as
    visible_contacts(scope, query) in LIST_ORDER, in two statements."""
    links, query = {"q": query}, normalise(query)
    if not query:
        contacts = visible_contacts(scope).order_by(*LIST_ORDER)
        found = list(contacts[(number - 1) * size : number * size + 1])
        return Page(with_shown_numbers(found[:size], scope), number, len(found) > size, links)
    sql, params, at = _statements.get_or_build(
        (scope_key(scope), number, size), lambda: _compiled(scope, number, size)
    )
    params = [*params[:at], prefix_pattern(query, connection.vendor), *params[at + 1 :]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = [_contact(row) for row in rows[:size]]
    numbers = _numbers_of([c.pk for c in found])
    for contact in found:
        contact.shown = shown_numbers(contact, scope, numbers=numbers.get(contact.pk, []))
        contact.hidden_count = len(numbers.get(contact.pk, [])) - len(contact.shown)
    return Page(found, number, len(rows) > size, links)


def _compiled(scope: Scope, number: int, size: int) -> tuple[str, tuple, int]:
    contacts = visible_contacts(scope, _TYPED).order_by(*LIST_ORDER).values_list(*_COLUMNS, *_UNIT_COLUMNS)
    sql, params = contacts[(number - 1) * size : number * size + 1].query.sql_with_params()
    return sql, params, params.index(prefix_pattern(_TYPED, connection.vendor))


def _contact(row: tuple) -> Contact:
    contact = Contact.from_db(connection.alias, _COLUMNS, row[: len(_COLUMNS)])
    unit = Unit.from_db(
        connection.alias, ("id", "name", "short_name"), (contact.unit_id, *row[len(_COLUMNS) :])
    )
    Contact.unit.field.set_cached_value(contact, unit)
    return contact


def _numbers_of(contact_ids: list[int]) -> dict[int, list[ContactNumber]]:
    if not contact_ids:
        return {}
    columns = ("id", "contact_id", "label", "number", "internal_only")
    q = connection.ops.quote_name
    sql = (
        f"SELECT {', '.join(q(c) for c in columns)} FROM {q(ContactNumber._meta.db_table)} "
        f"WHERE {q('contact_id')} IN ({', '.join(['%s'] * len(contact_ids))}) ORDER BY {q('id')}"
    )
    found: dict[int, list[ContactNumber]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, contact_ids)  # nosec B608: our table and columns, the ids bound
        for row in cursor.fetchall():
            number = ContactNumber.from_db(connection.alias, columns, row)
            found.setdefault(number.contact_id, []).append(number)
    return found


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
