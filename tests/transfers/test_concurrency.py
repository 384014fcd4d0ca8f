"""Two staff approving the same application at the same moment move the money once."""

import io

import pytest
from django.core.management import call_command

from accounts.models import LedgerAccount, Posting, Region
from tests.concurrency import run_in_threads
from tests.factories import StaffUserFactory
from transfers.models import TransferApplication, TransferEvent, TransferStatus
from transfers.services import transfer_apply, transfer_in_accept, transfer_out_approve

from .factories import TAIYUAN, XIAN, id_images, parts, ready_person

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_staff_approving_at_once_move_the_money_exactly_once(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    person, account = ready_person(current_fen=10_00, carried_fen=20_00)
    application = transfer_apply(
        person=person,
        from_region=Region.objects.get(pk=XIAN),
        to_region=Region.objects.get(pk=TAIYUAN),
        scheme="EMPLOYEE",
        **id_images(),
    )
    xian = [StaffUserFactory(regions=[Region.objects.get(pk=XIAN)]) for _ in range(2)]
    taiyuan = [StaffUserFactory(regions=[Region.objects.get(pk=TAIYUAN)]) for _ in range(2)]

    out = run_in_threads(
        [lambda u=u: transfer_out_approve(application_id=application.pk, by=u) for u in xian]
    )
    assert not [r for r in out if isinstance(r, Exception)]
    accepted = run_in_threads(
        [lambda u=u: transfer_in_accept(application_id=application.pk, by=u) for u in taiyuan]
    )
    assert not [r for r in accepted if isinstance(r, Exception)]

    assert TransferApplication.objects.get(pk=application.pk).status == TransferStatus.COMPLETED
    assert TransferEvent.objects.filter(application=application).count() == 3
    assert Posting.objects.filter(reference=f"transfer:{application.pk}").count() == 4
    assert parts(account) == (0, 0)
    new = person.personal_accounts.get(region_id=TAIYUAN)
    assert parts(new) == (10_00, 20_00)
    assert LedgerAccount.objects.get(kind="TRANSFER_TRANSIT", region_id=XIAN).balance_fen == 0
    call_command("verify_ledger", stdout=io.StringIO())
