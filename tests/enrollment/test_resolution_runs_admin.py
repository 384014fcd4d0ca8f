"""Duplicate-resolution runs decide across every region (their counts and errors are
national): superusers read them in the admin; region staff, whatever permissions they
hold, follow their regions' cases instead."""

import pytest
from django.urls import reverse

from enrollment.services import duplicates
from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

RUNS = "admin:enrollment_resolutionrun_changelist"


def test_region_staff_do_not_see_resolution_runs(client):
    # given a run, and Xi'an staff holding the run permissions
    run = duplicates.duplicates_resolve(triggered_by="test")
    client.force_login(
        StaffUserFactory(
            regions=["610100"],
            permissions=["enrollment.view_resolutionrun", "enrollment.change_resolutionrun"],
        )
    )
    # when / then
    assert client.get(reverse(RUNS)).status_code == 403
    change = reverse("admin:enrollment_resolutionrun_change", args=[run.pk])
    assert client.get(change).status_code == 403


def test_superusers_read_resolution_runs_but_change_none(client):
    run = duplicates.duplicates_resolve(triggered_by="test")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse(RUNS)).status_code == 200
    change = reverse("admin:enrollment_resolutionrun_change", args=[run.pk])
    page = client.get(change)
    assert page.status_code == 200 and "_save" not in page.content.decode()
