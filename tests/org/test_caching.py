"""Scopes and the hot fragments (unit tree, directory search) are cached per process for one data
generation. A change must show on the very next request, and one viewer's cached page must never be
served to another whose scope differs."""

from __future__ import annotations

from tests.factories import listed_contacts, make_contact
from zhiban.org.models import Contact, ContactNumber, RoleAssignment


def test_revoked_role_takes_effect_on_the_next_request(org):
    client = org.client(org.county_admin)
    assert client.get(f"/org/units/{org.township.pk}/").status_code == 200
    RoleAssignment.objects.filter(person=org.county_admin).delete()
    # the person now reads only their own unit: the township below is out of scope at once
    assert client.get(f"/org/units/{org.township.pk}/").status_code == 404


def test_renamed_unit_shows_in_the_cached_tree_at_once(org):
    client = org.client(org.city_admin)
    assert "东湖县人民政府" in client.get(f"/org/units/{org.city.pk}/children/").content.decode()
    org.county.name = "东湖区人民政府"
    org.county.save()
    text = client.get(f"/org/units/{org.city.pk}/children/").content.decode()
    assert "东湖区人民政府" in text and "东湖县人民政府" not in text


def test_edited_number_shows_in_a_cached_search_at_once(org):
    contact = make_contact(org.county, "张三", numbers=[("office", "0558-6000001", False)])
    client = org.client(org.officer)
    assert "0558-6000001" in client.get("/org/contacts/", {"q": "zs"}).content.decode()
    ContactNumber.objects.filter(contact=contact).update(number="unused")  # no signal: must not matter...
    number = contact.numbers.get()
    number.number = "0558-6999999"
    number.save()  # ...because this save raises the generation
    text = client.get("/org/contacts/", {"q": "zs"}).content.decode()
    assert "0558-6999999" in text and "0558-6000001" not in text


def test_rule_A1_7_insider_search_cached_first_is_not_served_to_an_outsider(org):
    make_contact(
        org.county, "张三", numbers=[("office", "0558-6000001", False), ("mobile", "13900000001", True)]
    )
    inside = org.client(org.officer).get("/org/contacts/", {"q": "zhangsan"}).content.decode()
    outside = org.client(org.city_admin).get("/org/contacts/", {"q": "zhangsan"}).content.decode()
    assert "13900000001" in inside
    assert "13900000001" not in outside and "0558-6000001" in outside


def test_search_pages_without_counting(org):
    for i in range(45):
        make_contact(org.county, f"王{i:02d}")
    client = org.client(org.officer)
    first = client.get("/org/contacts/", {"q": "wang"})
    third = client.get("/org/contacts/", {"q": "wang", "page": 3})
    assert len(listed_contacts(first)) == 20 and "下一页" in first.content.decode()
    assert len(listed_contacts(third)) == 5 and "下一页" not in third.content.decode()
    all_shown = set()
    for page in (1, 2, 3):
        all_shown |= set(listed_contacts(client.get("/org/contacts/", {"q": "wang", "page": page})))
    assert all_shown == set(Contact.objects.filter(name__startswith="王").values_list("pk", flat=True))
    assert client.get("/org/contacts/", {"q": "wang", "page": "x"}).status_code == 200


def test_a_request_never_trusts_the_generation_an_earlier_one_left_on_its_thread(org):
    """A fragment asked for before this request read the generation is built, not taken from a cache
    filled under a generation that may since have changed."""
    from django.core.signals import request_started

    from zhiban.org.caching import GenerationCache

    cache = GenerationCache(size=10)
    GenerationCache.check()  # an earlier request on this thread read the generation
    cache.get_or_build("tree", lambda: "built under the old generation")
    request_started.send(sender=None)
    assert cache.get_or_build("tree", lambda: "built now") == "built now"
    GenerationCache._all.remove(cache)
