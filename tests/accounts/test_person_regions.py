"""The core knows in which regions a person is known (PersonRegion) and scopes its person admin
by that alone: whatever app put the person there tells it through person_regions_link."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.models import CharField, Value
from django.urls import reverse

from accounts.models import InsuredPerson, PersonRegion
from accounts.services.person_regions import (
    person_region_link,
    person_regions_link,
    person_regions_link_from,
)
from accounts.services.personal_accounts import personal_account_open
from tests.factories import InsuredPersonFactory, StaffUserFactory, region

pytestmark = pytest.mark.django_db

XIAN, TAIYUAN = "610100", "140100"


def links() -> set[tuple[int, str]]:
    return set(PersonRegion.objects.values_list("person_id", "region_id"))


def test_the_person_admin_scopes_by_the_core_s_own_links(client):
    """Linked in Taiyuan (by any app): Taiyuan staff see the person, Xi'an staff do not."""
    # given
    person = InsuredPersonFactory(name="王核心")
    person_region_link(person=person, region=region(TAIYUAN))
    # when / then
    for regions, seen in (([TAIYUAN], {"王核心"}), ([XIAN], set())):
        client.force_login(
            StaffUserFactory(regions=regions, permissions=["accounts.view_insuredperson"])
        )
        page = client.get(reverse("admin:accounts_insuredperson_changelist"))
        assert {p.name for p in page.context["cl"].result_list} == seen


def test_linking_is_idempotent_and_set_based():
    one, two = InsuredPersonFactory(), InsuredPersonFactory()
    person_regions_link(pairs=[(one.pk, XIAN), (two.pk, XIAN), (one.pk, XIAN)])
    person_regions_link(pairs=[(one.pk, XIAN), (one.pk, TAIYUAN)])
    assert links() == {(one.pk, XIAN), (two.pk, XIAN), (one.pk, TAIYUAN)}


def test_linking_from_a_query_adds_only_what_is_new():
    """E.g. every person of a batch moving into Taiyuan, in one statement."""
    # given two persons, one already known in Xi'an
    one, two = InsuredPersonFactory(), InsuredPersonFactory()
    person_regions_link(pairs=[(one.pk, XIAN)])
    into_taiyuan = (
        InsuredPerson.objects.filter(pk__in=[one.pk, two.pk])
        .annotate(region=Value(TAIYUAN, output_field=CharField()))
        .values_list("pk", "region")
    )
    # when / then
    assert person_regions_link_from(pairs=into_taiyuan) == 2
    assert person_regions_link_from(pairs=into_taiyuan) == 0
    assert links() == {(one.pk, XIAN), (one.pk, TAIYUAN), (two.pk, TAIYUAN)}


def test_the_migration_links_every_person_with_a_personal_account():
    # given an account the core has no link for
    person = InsuredPersonFactory()
    personal_account_open(person=person, region=region(XIAN), record_id="XA-1")
    PersonRegion.objects.all().delete()
    migration = importlib.import_module("accounts.migrations.0016_person_region")
    # when
    migration.from_personal_accounts(django_apps, SimpleNamespace(connection=connection))
    migration.from_personal_accounts(django_apps, SimpleNamespace(connection=connection))
    # then
    assert links() == {(person.pk, XIAN)}
