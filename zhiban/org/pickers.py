"""Choosing a person from thousands, or units from hundreds: a search box instead of a list of every
person (or unit) of a city.

A form's person field (matter transfer, instruction targets, an event's 落实人, a swap partner) says
which people it offers with a `People` description (the units, whether their subtrees too, the roles,
who is left out); a unit field (the units an event is notified to, a roll call's units, a notice's or a
brief's recipients) says which units with a `Units` description. The same description makes the
field's queryset, which validates what is posted, and, signed into the page, the search the box sends
to `person_pick` or `unit_pick` as one types: the page carries only what is already chosen, never the
whole list."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django import forms
from django.core import signing
from django.db import models
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from zhiban.lib.forms import ManyChoice
from zhiban.lib.pinyin import normalise
from zhiban.org.models import Person, Unit

if TYPE_CHECKING:
    from zhiban.org.access import Scope

PICK_LIMIT = 20  # results shown for one search; typing more narrows them
TOKEN_AGE = 24 * 3600  # a page left open for a day still searches
_SALT = "zhiban.org.pickers"
_UNITS_SALT = "zhiban.org.pickers.units"


@dataclass(frozen=True)
class People:
    """Which active people a field offers: those holding one of `roles` in `unit_ids` if roles are
    named, else the people of `unit_ids` (with their subtrees when `subtree`); less `exclude`."""

    unit_ids: tuple[int, ...]
    subtree: bool = False
    roles: tuple[str, ...] = ()
    exclude: int | None = None
    units: tuple[Unit, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def within(cls, unit: Unit, **kwargs) -> People:
        """The people of a unit and the units below it (owners, targets)."""
        return cls((unit.pk,), subtree=True, units=(unit,), **kwargs)

    def queryset(self) -> QuerySet[Person]:
        people = Person.objects.filter(active=True)
        if self.roles:
            people = people.filter(roles__role__in=self.roles, roles__unit_id__in=self.unit_ids).distinct()
        elif self.subtree:
            units = self.units or tuple(Unit.objects.filter(pk__in=self.unit_ids))
            q = Q(pk__in=[])
            for unit in units:
                q |= Q(unit__path__startswith=unit.path)
            people = people.filter(q)
        else:
            people = people.filter(unit_id__in=self.unit_ids)
        if self.exclude is not None:
            people = people.exclude(pk=self.exclude)
        return people.select_related("unit").order_by("search_text", "id")  # by pinyin

    def token(self) -> str:
        return signing.dumps([list(self.unit_ids), self.subtree, list(self.roles), self.exclude], salt=_SALT)

    @classmethod
    def from_token(cls, token: str) -> People | None:
        try:
            unit_ids, subtree, roles, exclude = signing.loads(token, salt=_SALT, max_age=TOKEN_AGE)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        return cls(tuple(unit_ids), subtree, tuple(roles), exclude)


@dataclass(frozen=True)
class Units:
    """Which active units a field offers: the units of `subtrees` with everything below them, the
    units directly under those of `children_of`, and the units `ids`; less `exclude`."""

    subtrees: tuple[int, ...] = ()
    children_of: tuple[int, ...] = ()
    ids: tuple[int, ...] = ()
    exclude: tuple[int, ...] = ()
    roots: tuple[Unit, ...] = field(default=(), compare=False, repr=False)  # the units of `subtrees`

    @classmethod
    def below(cls, unit: Unit) -> Units:
        """Every unit under `unit`, however deep (those a roll call may call)."""
        return cls(subtrees=(unit.pk,), exclude=(unit.pk,), roots=(unit,))

    @classmethod
    def under(cls, unit: Unit) -> Units:
        """The units directly under `unit` (a notice's or a brief's recipients)."""
        return cls(children_of=(unit.pk,))

    @classmethod
    def around(cls, scope: Scope, unit: Unit) -> Units:
        """The units a person may tell of what happened in `unit`: those they read, and the units around
        `unit` (beside it and under it), since an event does not stop at a boundary; not `unit` itself."""
        if scope.all_units:
            tops = tuple(Unit.objects.filter(parent=None).values_list("pk", flat=True))
        else:
            tops = tuple(sorted(int(path.strip("/").split("/")[-1]) for path in scope.read_paths))
        beside = (unit.parent_id,) if unit.parent_id else ()
        return cls(tops, (*beside, unit.pk), tuple(sorted(scope.read_unit_ids)), (unit.pk,))

    def named(self) -> set[int]:
        return {*self.subtrees, *self.children_of, *self.ids}

    def queryset(self) -> QuerySet[Unit]:
        roots = self.roots or tuple(Unit.objects.filter(pk__in=self.subtrees))
        q = Q(pk__in=self.ids) | Q(parent_id__in=self.children_of)
        for unit in roots:
            q |= Q(path__startswith=unit.path)
        units = Unit.objects.filter(q, active=True)
        if self.exclude:
            units = units.exclude(pk__in=self.exclude)
        return units.select_related("parent").order_by("path")  # as the tree: each unit under its own

    def token(self) -> str:
        parts = [list(self.subtrees), list(self.children_of), list(self.ids), list(self.exclude)]
        return signing.dumps(parts, salt=_UNITS_SALT)

    @classmethod
    def from_token(cls, token: str) -> Units | None:
        try:
            parts = signing.loads(token, salt=_UNITS_SALT, max_age=TOKEN_AGE)
            subtrees, children_of, ids, exclude = (tuple(int(i) for i in part) for part in parts)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        return cls(subtrees, children_of, ids, exclude)

    def searchable_by(self, scope: Scope) -> Units | None:
        """These units, their roots at hand, if the person may search them: they read every unit named
        whole (`subtrees`, `ids`), and each unit whose children are offered is one they read or one
        above them (the units beside their own event's); else None."""
        named = {u.pk: u for u in Unit.objects.filter(pk__in=self.named())}
        if not named or len(named) != len(self.named()):
            return None
        mine = scope.read_paths | scope.member_paths
        for pk in (*self.subtrees, *self.ids):
            if not scope.can_read_unit(named[pk]):
                return None
        for pk in self.children_of:
            unit = named[pk]
            if not (scope.can_read_unit(unit) or any(path.startswith(unit.path) for path in mine)):
                return None
        return replace(self, roots=tuple(named[pk] for pk in self.subtrees))


def search(people: QuerySet[Person], query: str) -> QuerySet[Person]:
    """By name, pinyin or initials (Person.search_text), or by position."""
    query = query.strip()
    if not query:
        return people.none()
    keys = normalise(query)
    q = Q(name__contains=query) | Q(position__contains=query)
    if keys:
        q |= Q(search_text__contains=keys)
    return people.filter(q)


def search_units(units: QuerySet[Unit], query: str) -> QuerySet[Unit]:
    """By name or short name, in characters, pinyin or initials (Unit.search_text)."""
    query = query.strip()
    if not query:
        return units.none()
    keys = normalise(query)
    q = Q(name__contains=query) | Q(short_name__contains=query)
    if keys:
        q |= Q(search_text__contains=keys)
    return units.filter(q)


def person_label(person: Person) -> str:
    """Name, position and unit: two 张伟 of a city are told apart by where they work."""
    position = f"，{person.position}" if person.position else ""
    return f"{person.name}（{person.unit.label}{position}）"


def unit_label(unit: Unit) -> str:
    """The full name, and the unit above where the name does not say it (应急管理局 under two counties)."""
    parent = unit.parent
    if parent is None or parent.label in unit.name:
        return unit.name
    return f"{unit.name}（{parent.label}）"


class Picker(forms.Widget):
    """A search box; the chosen ones are shown as ticked boxes (several) or a chosen name (one), and
    the list of results comes from `person_pick` or `unit_pick` (static/js/picker.js)."""

    template_name = "org/widgets/picker.html"
    multiple = False
    url_name = "person_pick"
    placeholder = "输入姓名、拼音首字母或职务查找"
    what = "人员"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = ()
        self.token = ""

    def value_from_datadict(self, data, files, name):
        if self.multiple:
            return [v for v in data.getlist(name) if v]
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # nothing ticked is an answer: nobody chosen

    def format_value(self, value):
        if value is None or value == "":
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(v.pk if isinstance(v, models.Model) else v) for v in values]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = []
        ids = [v for v in context["widget"]["value"] if v.isdigit() and int(v) < 2**63]
        if ids and hasattr(self.choices, "queryset"):
            label = self.choices.field.label_from_instance
            chosen = [(str(o.pk), label(o)) for o in self.choices.queryset.filter(pk__in=ids)]
        context["widget"].update(
            describedby=context["widget"]["attrs"].get("aria-describedby", ""),
            invalid=context["widget"]["attrs"].get("aria-invalid", ""),
            chosen=chosen,
            multiple=self.multiple,
            placeholder=self.placeholder,
            what=self.what,
            source=f"{reverse(self.url_name)}?src={self.token}",
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # the project's templates/, which Django's form renderer does not search
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308


class PersonPicker(Picker):
    pass


class PeoplePicker(PersonPicker):
    multiple = True


class UnitsPicker(Picker):
    multiple = True
    url_name = "unit_pick"
    placeholder = "输入单位名称、简称或拼音首字母查找"
    what = "单位"


def offer(field, people: People | Units) -> None:
    """Makes `field` offer `people` (or units): its queryset, the search's signed source, and, unless
    the form says otherwise, a help text saying whom the search finds."""
    field.queryset = people.queryset()
    field.widget.token = people.token()
    if not field.help_text and isinstance(people, People) and people.subtree and len(people.units) == 1:
        field.help_text = f"可查找{people.units[0].label}及其下级单位的在职人员"


class PersonField(forms.ModelChoiceField):
    """One person, picked by search from those `People` describes (set with `offer`)."""

    widget = PersonPicker

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Person.objects.none())
        messages = kwargs.setdefault("error_messages", {})
        messages.setdefault("invalid_choice", "请从查找结果中选择人员")
        messages.setdefault("required", "请输入姓名、拼音首字母或职务查找，并在结果中点选一人")
        super().__init__(**kwargs)

    def offer(self, people: People) -> None:
        offer(self, people)

    def label_from_instance(self, obj: Person) -> str:
        return person_label(obj)


class PeopleField(ManyChoice):
    """Several people, picked by search (instruction targets)."""

    widget = PeoplePicker

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Person.objects.none())
        messages = kwargs.setdefault("error_messages", {})
        messages.setdefault("invalid_choice", "请从查找结果中选择人员")
        messages.setdefault("invalid_pk_value", "请从查找结果中选择人员")
        messages.setdefault("required", "请至少选择一人")
        super().__init__(**kwargs)

    def offer(self, people: People) -> None:
        offer(self, people)

    def label_from_instance(self, obj: Person) -> str:
        return person_label(obj)


class UnitsField(ManyChoice):
    """Several units, picked by search from those `Units` describes (set with `offer`): an event's
    units to notify, a roll call's units, a notice's or a brief's recipients."""

    widget = UnitsPicker

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Unit.objects.none())
        messages = kwargs.setdefault("error_messages", {})
        messages.setdefault("invalid_choice", "请从查找结果中选择单位")
        messages.setdefault("invalid_pk_value", "请从查找结果中选择单位")
        messages.setdefault("required", "请输入单位名称查找，并在结果中点选至少一个单位")
        super().__init__(**kwargs)

    def offer(self, units: Units) -> None:
        offer(self, units)

    def label_from_instance(self, obj: Unit) -> str:
        return unit_label(obj)
