"""Units, people and contacts for integrations, with the pages' scoping and A1.7's hiding of
internal-only numbers."""

from __future__ import annotations

from django.db import transaction
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from zhiban.lib.apipaging import BoundedPagination
from zhiban.org.access import get_contact_for_user, get_person_for_user, get_unit_for_user, scope_for
from zhiban.org.contacts import shown_mobiles, shown_numbers, visible_contacts, with_shown_mobiles
from zhiban.org.models import Person
from zhiban.org.policy import effective_policy

router = Router(tags=["组织机构"])


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    parent_id: int | None
    order: int
    duty_office: str
    depth: int


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    unit_id: int
    position: str
    rank: str
    mobile: str = Field(description="个人手机：本单位以外只在通讯录公开时给出，否则为空")
    office_phone: str
    active: bool
    is_established: bool
    duty_eligible: bool

    @staticmethod
    def resolve_mobile(obj, context) -> str:
        if hasattr(obj, "shown_mobile"):  # a list's page, asked once for all its rows
            return obj.shown_mobile
        return shown_mobiles(scope_for(context["request"].user), [obj])[obj.pk]


class PersonIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    gender: str = Field(..., pattern="^[MF]$")
    unit_id: int
    position: str = ""
    rank: str = ""
    mobile: str = ""
    office_phone: str = ""
    is_established: bool = True
    duty_eligible: bool = True


class PersonPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=50)
    position: str | None = None
    rank: str | None = None
    mobile: str | None = None
    office_phone: str | None = None
    active: bool | None = None
    is_established: bool | None = None
    duty_eligible: bool | None = None


class NumberOut(Schema):
    label: str
    number: str
    internal_only: bool


class ContactOut(Schema):
    id: int
    unit_id: int
    kind: str
    name: str
    organisation: str
    position: str
    numbers: list[NumberOut]

    @staticmethod
    def resolve_numbers(obj, context) -> list:
        return shown_numbers(obj, scope_for(context["request"].user))


class PolicyOut(Schema):
    unit_id: int
    values: dict[str, int]
    sources: dict[str, int | None]


class Error(Schema):
    detail: str


@router.get("/units", response=list[UnitOut])
@paginate(BoundedPagination)
def list_units(request, parent_id: int | None = None):
    units = scope_for(request.user).units().order_by("path")
    if parent_id is not None:
        units = units.filter(parent_id=parent_id)
    return units


@router.get("/units/{unit_id}", response={200: UnitOut, 404: Error})
def get_unit(request, unit_id: int):
    return get_unit_for_user(request.user, unit_id)


@router.get("/units/{unit_id}/policy", response={200: PolicyOut, 404: Error})
def get_policy(request, unit_id: int):
    policy = effective_policy(get_unit_for_user(request.user, unit_id))
    return {
        "unit_id": unit_id,
        "values": policy.as_dict(),
        "sources": {name: v.source.pk if v.source else None for name, v in policy.values.items()},
    }


def _with_shown_mobiles(rows, request) -> None:
    with_shown_mobiles(rows, scope_for(request.user))


@router.get("/people", response=list[PersonOut])
@paginate(BoundedPagination, prepare=_with_shown_mobiles)
def list_people(request, q: str = "", unit_id: int | None = None):
    scope = scope_for(request.user)
    people = Person.objects.filter(scope.unit_q("unit__")).order_by("unit__path", "order", "id")
    if unit_id is not None:
        people = people.filter(unit__path__startswith=get_unit_for_user(request.user, unit_id).path)
    if q:
        people = people.filter(search_text__contains=q.lower())
    return people


@router.get("/people/{person_id}", response={200: PersonOut, 404: Error})
def get_person(request, person_id: int):
    return get_person_for_user(request.user, person_id)


@router.post("/people", response={201: PersonOut, 400: dict, 403: Error, 404: Error})
def create_person(request, data: PersonIn):
    unit = get_unit_for_user(request.user, data.unit_id, write=True)
    person = Person(**data.dict(exclude={"unit_id"}), unit=unit)
    with transaction.atomic():
        person.full_clean()
        person.save()
    return Status(201, person)


@router.patch("/people/{person_id}", response={200: PersonOut, 400: dict, 403: Error, 404: Error})
def update_person(request, person_id: int, data: PersonPatch):
    person = get_person_for_user(request.user, person_id, write=True)
    for name, value in data.dict(exclude_unset=True).items():
        if value is not None:
            setattr(person, name, value)
    with transaction.atomic():
        person.full_clean()
        person.save()
    return person


@router.get("/contacts", response=list[ContactOut])
@paginate(BoundedPagination)
def list_contacts(request, q: str = ""):
    return visible_contacts(scope_for(request.user), q).order_by("unit__path", "order", "id")


@router.get("/contacts/{contact_id}", response={200: ContactOut, 404: Error})
def get_contact(request, contact_id: int):
    return get_contact_for_user(request.user, contact_id)


@router.get("/me", response=dict)
def me(request):
    scope = scope_for(request.user)
    person = scope.person
    return {
        "username": request.user.username,
        "system_role": request.user.system_role,
        "person_id": person.pk if person else None,
        "unit_id": person.unit_id if person else None,
        "home_unit_id": scope.home_unit_id,
    }
