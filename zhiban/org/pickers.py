"""Choosing a person from thousands: a search box instead of a list of every person of a city.

A form's person field (matter transfer, instruction targets, an event's 落实人, a swap partner) says
which people it offers with a `People` description (the units, whether their subtrees too, the roles,
who is left out). The same description makes the field's queryset, which validates what is posted,
and, signed into the page, the search the box sends to `person_pick` as one types: the page carries
only the people already chosen, never the whole list."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.core import signing
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from zhiban.lib.forms import ManyChoice
from zhiban.lib.pinyin import normalise
from zhiban.org.models import Person, Unit

PICK_LIMIT = 20  # results shown for one search; typing more narrows them
_SALT = "zhiban.org.pickers"


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
            unit_ids, subtree, roles, exclude = signing.loads(token, salt=_SALT, max_age=24 * 3600)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        return cls(tuple(unit_ids), subtree, tuple(roles), exclude)


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


def person_label(person: Person) -> str:
    """Name, position and unit: two 张伟 of a city are told apart by where they work."""
    position = f"，{person.position}" if person.position else ""
    return f"{person.name}（{person.unit.label}{position}）"


class PersonPicker(forms.Widget):
    """A search box; the chosen people are shown as ticked boxes (several) or a chosen name (one), and
    the list of results comes from `person_pick` (static/js/picker.js)."""

    template_name = "org/widgets/person_picker.html"
    multiple = False

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
        return [str(v.pk if isinstance(v, Person) else v) for v in values]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = []
        ids = [v for v in context["widget"]["value"] if v.isdigit() and int(v) < 2**63]
        if ids and hasattr(self.choices, "queryset"):
            chosen = [(str(p.pk), person_label(p)) for p in self.choices.queryset.filter(pk__in=ids)]
        context["widget"].update(
            describedby=context["widget"]["attrs"].get("aria-describedby", ""),
            invalid=context["widget"]["attrs"].get("aria-invalid", ""),
            chosen=chosen,
            multiple=self.multiple,
            source=f"{reverse('person_pick')}?src={self.token}",
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # the project's templates/, which Django's form renderer does not search
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308


class PeoplePicker(PersonPicker):
    multiple = True


def offer(field, people: People) -> None:
    """Makes `field` offer `people`: its queryset, the search's signed source, and, unless the form
    says otherwise, a help text saying whom the search finds."""
    field.queryset = people.queryset()
    field.widget.token = people.token()
    if not field.help_text and people.subtree and len(people.units) == 1:
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
