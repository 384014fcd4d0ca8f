import pytest
import time_machine

from refunds.services import batches
from tests.factories import StaffUserFactory

from .factories import batch_payload, employer_with_employees, item, xian_policy_set
from .resident import IN_WINDOW


def receive(payload: dict, by=None):
    return batches.refund_batch_receive(
        reference=payload["reference"],
        region_code=payload["region"],
        employer_code=payload["employer_code"],
        periods=payload["periods"],
        items=payload["items"],
        submitted_by=by,
    )


@pytest.fixture(autouse=True)
def xian_policy(db):
    xian_policy_set()


@pytest.fixture
def xian_staff(db):
    return StaffUserFactory(
        regions=["610100"],
        permissions=[
            "refunds.view_refundbatch",
            "refunds.change_refundbatch",
            "refunds.add_refundbatch",
            "refunds.view_refunditem",
            "refunds.view_clearance",
            "refunds.change_clearance",
        ],
    )


@pytest.fixture
def received_batch(db):
    """A batch of one employee over three months, 10000 → 8000 each month (refund 200/month)."""
    employer, (person,) = employer_with_employees(1)
    items = [
        item(person, period, "10000.00", "8000.00") for period in ("202404", "202405", "202406")
    ]
    return receive(batch_payload(employer, items))


@pytest.fixture
def in_window():
    with time_machine.travel(IN_WINDOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
