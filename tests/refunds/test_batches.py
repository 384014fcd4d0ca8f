"""SPEC §6 单位差额退费: a batch is checked row by row against what we hold (all or nothing),
then each employee and month is calculated with that period's policy, shares apart."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.errors import Refused
from accounts.models import AuditEvent, Posting
from accounts.selectors import policy_for_period
from accounts.services.policies import POLICY_VERSION_FIELDS, policy_version_add
from enrollment.models import StopReason
from refunds.models import RefundBatch, RefundItem
from refunds.services import batches
from tests.enrollment.factories import moved_to_another_employer
from tests.factories import EmployerFactory, make_national_id, region

from .conftest import receive
from .factories import batch_payload, contribution, employee, employer_with_employees, item

pytestmark = pytest.mark.django_db


def figures(batch, person, period) -> tuple:
    row = RefundItem.objects.get(batch=batch, person=person, period=period)
    return (
        row.applied_base_fen,
        row.employer_paid_fen,
        row.employer_due_fen,
        row.employer_refund_fen,
        row.individual_paid_fen,
        row.individual_due_fen,
        row.individual_refund_fen,
        row.exclusion,
    )


def test_each_share_refunds_the_difference_between_paid_and_due_on_the_corrected_base():
    """10000 → 8000 at 8% and 2%: employer 800 − 640 = 160, individual 200 − 160 = 40; a
    corrected base under the band (60% of 7000 = 4200) is raised to it: 6000 paid, 4200 due
    → 480 − 336 = 144 and 120 − 84 = 36; shares round half up to the fen."""
    # given two employees with contributions on record
    employer = EmployerFactory()
    a, b, c = employee(employer), employee(employer), employee(employer)
    contribution(a, "202404", "10000.00")
    contribution(b, "202405", "6000.00")
    contribution(c, "202406", "5555.55")
    # when the batch arrives
    batch = receive(
        batch_payload(
            employer,
            [
                item(a, "202404", "10000.00", "8000.00"),
                item(b, "202405", "6000.00", "3000.00"),
                item(c, "202406", "5555.55", "4444.44"),
            ],
        )
    )
    # then every figure is the hand-computed one, in fen
    assert figures(batch, a, "202404") == (800000, 80000, 64000, 16000, 20000, 16000, 4000, "")
    assert figures(batch, b, "202405") == (420000, 48000, 33600, 14400, 12000, 8400, 3600, "")
    # 444.444 → 444.44 paid, 355.5552 → 355.56 due; 111.111 → 111.11, 88.8888 → 88.89
    assert figures(batch, c, "202406") == (444444, 44444, 35556, 8888, 11111, 8889, 2222, "")
    # and the batch totals add them up
    batch.refresh_from_db()
    assert (batch.employer_refund_fen, batch.individual_refund_fen) == (
        16000 + 14400 + 8888,
        4000 + 3600 + 2222,
    )
    assert (batch.item_count, batch.person_count, batch.excluded_count) == (3, 3, 0)
    assert batch.refund == Decimal("491.10")
    assert batch.status == RefundBatch.Status.RECEIVED


def test_a_corrected_base_above_the_ceiling_is_lowered_to_it():
    """The band's ceiling (300% of 7000 = 21000) clamps the corrected base too."""
    employer = EmployerFactory()
    person = employee(employer)
    contribution(person, "202404", "21000.00")
    batch = receive(batch_payload(employer, [item(person, "202404", "21000.00", "20000.00")]))
    assert figures(batch, person, "202404")[:4] == (2000000, 168000, 160000, 8000)


def test_each_period_is_calculated_with_that_periods_rates():
    """A period whose employer rate was 7% (Xi'an's went from 8% to 7%) was paid and is due
    at 7%: the calculation takes the policy in force in each period."""
    employer = EmployerFactory()
    person = employee(employer)
    in_force = policy_for_period("610100", "202405")
    policy_version_add(
        region=region("610100"),
        valid_from_period="202405",
        values={name: getattr(in_force, name) for name in POLICY_VERSION_FIELDS}
        | {"employer_rate": Decimal("0.0700")},
        actor=None,
    )
    for period in ("202404", "202405"):
        contribution(person, period, "10000.00")
    batch = receive(
        batch_payload(
            employer,
            [
                item(person, "202404", "10000.00", "8000.00"),
                item(person, "202405", "10000.00", "8000.00"),
            ],
        )
    )
    # 202404 at 8%: paid 800, due 640; 202405 at 7%: paid 700, due 560
    assert figures(batch, person, "202404")[1:4] == (80000, 64000, 16000)
    assert figures(batch, person, "202405")[1:4] == (70000, 56000, 14000)


@pytest.mark.parametrize(
    ("stop_reason", "exclusion"),
    [
        (StopReason.LEFT, RefundItem.Exclusion.LEFT),
        (StopReason.RETIRED, RefundItem.Exclusion.RETIRED),
        (StopReason.WHOLE_UNIT_TRANSFER, RefundItem.Exclusion.WHOLE_UNIT_TRANSFER),
        (StopReason.OTHER, RefundItem.Exclusion.STOPPED),
        ("", RefundItem.Exclusion.STOPPED),
    ],
)
def test_people_are_excluded_from_the_month_of_the_event_on_with_the_reason(stop_reason, exclusion):
    """Stopped on 10 May: April refunds, May and June are listed with the reason and zero."""
    employer = EmployerFactory()
    person = employee(
        employer,
        stopped_at=dt.date(2024, 5, 10),
        stop_reason=stop_reason,
        retired=stop_reason == StopReason.RETIRED,
    )
    for period in ("202404", "202405", "202406"):
        contribution(person, period, "10000.00")
    batch = receive(
        batch_payload(
            employer,
            [item(person, p, "10000.00", "8000.00") for p in ("202404", "202405", "202406")],
        )
    )
    assert figures(batch, person, "202404")[-1] == ""
    for period in ("202405", "202406"):
        row = figures(batch, person, period)
        assert row[-1] == exclusion
        assert (row[3], row[6]) == (0, 0)  # nothing refunded
        assert (row[1], row[4]) == (80000, 20000)  # what was paid is still shown
    batch.refresh_from_db()
    assert (batch.item_count, batch.excluded_count, batch.refund_fen) == (3, 2, 20000)


def test_a_retiree_without_a_dated_retirement_is_excluded_as_retired():
    """The person feed says retired, no record dates it: every month is excluded."""
    employer = EmployerFactory()
    person = employee(employer, retired=True)
    contribution(person, "202404", "10000.00")
    batch = receive(batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")]))
    assert figures(batch, person, "202404")[-1] == RefundItem.Exclusion.RETIRED


def test_receiving_is_audited():
    employer, (person,) = employer_with_employees(1)
    batch = receive(batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")]))
    event = AuditEvent.objects.get(action="refund_batch_receive", object_id=batch.pk)
    assert event.after["refund_fen"] == 20000


# --- validation: a row-by-row report, nothing applied ---------------------------------------


def errors_of(payload) -> dict:
    with pytest.raises(batches.BatchInvalid) as caught:
        receive(payload)
    assert not RefundBatch.objects.exists()
    assert not RefundItem.objects.exists()
    assert not Posting.objects.exists()
    return caught.value.errors


def test_unknown_person_and_unknown_employer_are_reported():
    employer, (person,) = employer_with_employees(1)
    stranger = make_national_id(999_001)
    payload = batch_payload(
        employer,
        [item(person, "202404", "10000.00", "8000.00")]
        + [
            {"national_id": stranger, "period": "202404", "paid_base": "1", "corrected_base": "0.5"}
        ],
    )
    assert list(errors_of(payload)) == ["items[1].national_id"]
    payload["employer_code"] = "91610100MA6TGXXXXX"
    assert "employer_code" in errors_of(payload)


def test_a_person_not_employed_by_the_employer_in_the_period_is_reported():
    employer, _people = employer_with_employees(1)
    elsewhere = employee(EmployerFactory())
    contribution(elsewhere, "202404", "10000.00")
    errors = errors_of(batch_payload(employer, [item(elsewhere, "202404", "10000.00", "8000.00")]))
    assert list(errors) == ["items[0].national_id"]


def test_a_person_who_left_before_the_refund_window_is_not_employed_then():
    """Left in 2023: the batch's months are not this employer's to refund."""
    employer = EmployerFactory()
    person = employee(employer, stopped_at=dt.date(2023, 6, 1), stop_reason=StopReason.LEFT)
    contribution(person, "202404", "10000.00")
    errors = errors_of(batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")]))
    assert list(errors) == ["items[0].national_id"]


def test_a_period_outside_the_batch_is_reported():
    employer, (person,) = employer_with_employees(1)
    errors = errors_of(
        batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")], periods=["202405"])
    )
    assert list(errors) == ["items[0].period"]


def test_a_paid_base_that_is_not_the_contribution_on_record_is_reported():
    employer, (person,) = employer_with_employees(1)
    errors = errors_of(
        batch_payload(
            employer,
            [
                item(person, "202404", "9000.00", "8000.00"),  # on record: 10000
                item(person, "202405", "10000.00", "8000.00"),  # fine
            ],
            periods=["202404", "202405", "202407"],
        )
    )
    assert list(errors) == ["items[0].paid_base"]
    assert "10000" in errors["items[0].paid_base"][0]


def test_a_month_without_a_contribution_on_record_is_reported():
    employer, (person,) = employer_with_employees(1)
    errors = errors_of(
        batch_payload(employer, [item(person, "202407", "10000.00", "8000.00")], periods=["202407"])
    )
    assert list(errors) == ["items[0].paid_base"]


@pytest.mark.parametrize("corrected", ["10000.00", "12000.00", "0", "-1", "abc", "1.234", None])
def test_a_corrected_base_not_lower_than_the_paid_base_or_not_an_amount_is_reported(corrected):
    employer, (person,) = employer_with_employees(1)
    errors = errors_of(batch_payload(employer, [item(person, "202404", "10000.00", corrected)]))
    assert list(errors) == ["items[0].corrected_base"]


def test_a_float_amount_is_refused():
    """Money is never a float on the way in."""
    employer, (person,) = employer_with_employees(1)
    payload = batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")])
    payload["items"][0]["corrected_base"] = 8000.5
    assert list(errors_of(payload)) == ["items[0].corrected_base"]


def test_duplicate_rows_are_reported_naming_the_first():
    employer, (person,) = employer_with_employees(1)
    row = item(person, "202404", "10000.00", "8000.00")
    errors = errors_of(batch_payload(employer, [row, dict(row)]))
    assert list(errors) == ["items[1].national_id"]
    assert "0" in errors["items[1].national_id"][0]


def test_every_bad_row_is_reported_at_once_and_nothing_is_applied():
    employer, (person,) = employer_with_employees(1)
    errors = errors_of(
        batch_payload(
            employer,
            [
                item(person, "202404", "10000.00", "8000.00"),
                item(person, "202405", "10000.00", "11000.00"),
                item(person, "202412", "10000.00", "8000.00"),
            ],
        )
    )
    assert set(errors) == {"items[1].corrected_base", "items[2].period"}


def test_a_reference_used_before_is_refused_naming_it():
    employer, (person,) = employer_with_employees(1)
    receive(batch_payload(employer, [item(person, "202404", "10000.00", "8000.00")]))
    with pytest.raises(Refused) as refused:
        receive(batch_payload(employer, [item(person, "202405", "10000.00", "8000.00")]))
    assert refused.value.field == "reference"
    assert "SW-2024-001" in refused.value.message
    assert RefundBatch.objects.count() == 1


def test_a_person_whose_record_moved_to_another_employer_is_excluded_as_left():
    """Moved to another employer on 15 May: May and June are excluded for the old one."""
    employer = EmployerFactory()
    person = moved_to_another_employer(employer, EmployerFactory(), dt.date(2024, 5, 15))
    for period in ("202404", "202405", "202406"):
        contribution(person, period, "10000.00")
    batch = receive(
        batch_payload(
            employer,
            [item(person, p, "10000.00", "8000.00") for p in ("202404", "202405", "202406")],
        )
    )
    assert [figures(batch, person, p)[-1] for p in ("202404", "202405", "202406")] == [
        "",
        RefundItem.Exclusion.LEFT,
        RefundItem.Exclusion.LEFT,
    ]
