"""Two staff approving the same resident refund at the same moment post it exactly once."""

import io

import pytest
import time_machine
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation
from accounts.models import Posting
from refunds.models import ResidentRefund
from refunds.services import resident
from tests.concurrency import run_in_threads

from .resident import IN_WINDOW, staff, waiting_refund

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_staff_approving_at_once_post_the_refund_once(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(IN_WINDOW, tick=False):
        refund = waiting_refund()
    reviewers = [staff(), staff()]
    results = run_in_threads(
        [lambda u=u: resident.resident_refund_approve(refund_id=refund.pk, by=u) for u in reviewers]
    )
    approved = [r for r in results if isinstance(r, ResidentRefund)]
    refused = [r for r in results if isinstance(r, BusinessRuleViolation)]
    assert (len(approved), len(refused)) == (1, 1), results
    assert refused[0].status_code == 409
    assert Posting.objects.filter(kind="RESIDENT_REFUND").count() == 1
    assert ResidentRefund.objects.get(pk=refund.pk).events.count() == 2
    call_command("verify_ledger", stdout=io.StringIO())
