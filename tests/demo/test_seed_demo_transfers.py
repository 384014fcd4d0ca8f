"""Demo 转移接续: an application in every state and one overdue, with printed logins."""

import io

import pytest
from django.core.management import call_command

from transfers.models import TransferApplication, TransferStatus
from transfers.selectors import Urgency, with_urgency

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_an_application_in_every_state_one_overdue(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())
    applications = TransferApplication.objects.select_related("person__user")
    assert {a.status for a in applications} == set(TransferStatus.values)
    assert applications.count() == 6
    overdue = with_urgency(TransferApplication.objects.all()).filter(urgency=Urgency.OVERDUE)
    assert overdue.count() == 1
    assert all(a.person.user.username in out.getvalue() for a in applications)
    call_command("verify_ledger", stdout=io.StringIO())
