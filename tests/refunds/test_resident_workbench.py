"""Resident refunds with complete materials wait on the workbench of the premium's region,
dated by the nearest due date; a request for materials takes them off until they arrive."""

import pytest

from accounts.workbench import waiting_work
from refunds.services import resident

from .resident import TAIYUAN, staff, waiting_refund

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
TITLE = "居民退费申请待审核"


def line(user):
    return next((work for work in waiting_work(user=user) if work.title == TITLE), None)


def test_the_premiums_region_sees_the_application_by_its_due_date(in_window):
    first, second = waiting_refund(), waiting_refund()
    xian = staff()

    work = line(xian)

    assert work.count == 2
    assert work.oldest == min(first.due_date, second.due_date)
    assert line(staff(TAIYUAN)).count == 0

    resident.resident_refund_materials_request(refund_id=first.pk, by=xian, note="缴费凭证")
    assert line(xian).count == 1
