"""Demo refunds: the demo employer's batches in every state and a clearance; the demo person's
resident refund applications in every state, inside the collection window or not."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from refunds.models import Clearance, RefundBatch, ResidentRefund

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC),  # inside the 2027 collection window
        dt.datetime(2027, 3, 2, 2, tzinfo=dt.UTC),  # outside: last window's applications
    ],
)
def test_seed_demo_makes_refunds_in_every_state(settings, tmp_path, moment):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(moment, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
    batches = RefundBatch.objects.filter(employer__code="91610100MA0000001B")
    assert set(batches.values_list("status", flat=True)) == set(RefundBatch.Status.values)
    assert Clearance.objects.filter(employer__code="91610100MA0000001B").exists()
    refunds = ResidentRefund.objects.filter(applicant__national_id="610102198503120011")
    assert set(refunds.values_list("status", flat=True)) == set(ResidentRefund.Status.values)
    assert refunds.count() == 4
    call_command("verify_ledger", stdout=io.StringIO())
