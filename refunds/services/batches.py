# ruff: noqa: S608 -- SQL composed of constant fragments; every value is a query parameter.
"""Employer difference-refund batches (单位差额退费, SPEC §6): check, calculate, approve.

A batch is checked as a whole (`refund_batch_check`: a row-by-row report, nothing applied
when any row is wrong), then its items are calculated and written in one statement
(`refund_batch_create`); staff of its region approve it once (`refund_batch_approve`): the
refund moves from the region fund to the employer's pending-transfer account (待转账户).
"""

import calendar
import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Invalid, NotFound, Refused
from accounts.identity import normalize_national_id, validate_national_id
from accounts.models import Contribution, Employer, InsuredPerson, Notification, Region, User
from accounts.permissions import require_staff_region
from accounts.services.audit import audit_event_record, audit_snapshot
from accounts.services.ledger import Move, employer_account, postings_post_rows, region_account
from accounts.services.notifications import notification_send
from accounts.sql import json_rows
from enrollment import selectors as enrollment

from .. import policy
from ..models import RefundBatch, RefundItem

MAX_ITEMS = 200_000
POSTING_KIND = "REFUND_BATCH"
_EXCLUSION_BY_STOP = {
    "RETIRED": RefundItem.Exclusion.RETIRED,
    "LEFT": RefundItem.Exclusion.LEFT,
    enrollment.EMPLOYER_CHANGED: RefundItem.Exclusion.LEFT,
    "WHOLE_UNIT_TRANSFER": RefundItem.Exclusion.WHOLE_UNIT_TRANSFER,
}
_DECIDED = ("status", "decided_by_id", "reason", "posting_key")
_AMOUNTS = (
    "employer_paid_fen",
    "individual_paid_fen",
    "employer_due_fen",
    "individual_due_fen",
    "employer_refund_fen",
    "individual_refund_fen",
)


class BatchInvalid(Exception):
    """The batch has bad rows: `errors` maps each field (`items[3].corrected_base`) to its
    messages. Nothing was applied."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(_("退费批次有 %(count)d 处错误，整批未接收。") % {"count": len(errors)})
        self.message = str(self.args[0])
        self.errors = errors


@dataclass(frozen=True)
class CheckedRow:
    line: int
    person_id: int
    period: str
    paid_base_fen: int
    corrected_base_fen: int
    exclusion: str = ""


@dataclass
class CheckedBatch:
    """A batch whose every row passed: what `refund_batch_create` writes."""

    reference: str
    region: Region
    employer: Employer
    periods: list[str]
    rows: list[CheckedRow] = field(default_factory=list)


@functools.cache
def period_days(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a YYYYMM period."""
    year, month = int(period[:4]), int(period[4:])
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _is_code(value, length: int) -> bool:
    """Digits and capital letters of that length: anything else is no code of ours (and a NUL
    character never reaches the database)."""
    return isinstance(value, str) and len(value) == length and value.isascii() and value.isalnum()


def _is_period(value) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 6
        and value.isascii()
        and value.isdigit()
        and value[:2] in ("19", "20")
        and "01" <= value[4:] <= "12"
    )


def _fen(value) -> int | None:
    """Yuan as a string or whole number (never a float) → fen above zero; None when not."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    return _fen_of(value)


@functools.lru_cache(maxsize=65536)
def _fen_of(value: str | int | Decimal) -> int | None:
    """Bases repeat across a batch's rows: each distinct one is parsed once."""
    if isinstance(value, str) and not value.isascii():
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    # Bounds first: quantizing a huge exponent would itself raise.
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e12"):
        return None
    if amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


def _check_header(*, reference, region_code, employer_code, periods, items, errors) -> tuple:
    """The batch's own fields; (region, employer, periods) or Nones where wrong."""
    if (
        not isinstance(reference, str)
        or not reference.strip()
        or len(reference) > 64
        or not reference.isprintable()
    ):
        errors["reference"] = [_("批次编号必须填写，最多64个字符。")]
    region = employer = None
    if _is_code(region_code, 6):
        region = Region.objects.filter(pk=region_code).first()
    if region is None:
        errors["region"] = [_("统筹区 %(code)s 不存在。") % {"code": region_code}]
    if _is_code(employer_code, 18):
        employer = Employer.objects.filter(code=employer_code).first()
    if employer is None:
        errors["employer_code"] = [_("参保单位 %(code)s 不存在。") % {"code": employer_code}]
    elif region is not None and employer.region_id != region.pk:
        errors["employer_code"] = [_("参保单位不属于统筹区 %(code)s。") % {"code": region.pk}]
        employer = None
    good_periods: list[str] = []
    if (
        not isinstance(periods, list)
        or not periods
        or not all(_is_period(p) for p in periods)
        or len(set(periods)) != len(periods)
    ):
        errors["periods"] = [_("退费期号是不重复的 YYYYMM 列表，至少一个。")]
    else:
        good_periods = sorted(periods)
    if not isinstance(items, list) or not items:
        errors["items"] = [_("退费明细不能为空。")]
    elif len(items) > MAX_ITEMS:
        errors["items"] = [_("一个批次最多 %(max)d 条明细。") % {"max": MAX_ITEMS}]
    return region, employer, good_periods


def _reference_free(reference: str) -> None:
    if RefundBatch.objects.filter(reference=reference).exists():
        raise Refused(
            _("批次编号 %(reference)s 已经使用过。") % {"reference": reference},
            field="reference",
            rule="reference_used",
        )


def _national_id_error(national_id: str) -> str:
    """Why an ID matches nobody: the validator's message, or that nobody has it."""
    try:
        validate_national_id(national_id)
    except ValidationError as invalid:
        return invalid.messages[0]
    return _("参保人 %(id)s 不存在。") % {"id": national_id}


def _parse_rows(items: list, periods: set[str], errors: dict) -> list[tuple]:
    """Each row's own checks, no database: (index, national_id, period, paid, corrected)."""
    parsed = []
    first_row: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        prefix = f"items[{index}]"
        if not isinstance(item, dict):
            errors[prefix] = [_("每条明细是一个对象。")]
            continue
        national_id = normalize_national_id(item.get("national_id"))
        period = item.get("period")
        paid, corrected = _fen(item.get("paid_base")), _fen(item.get("corrected_base"))
        row_ok = True
        if not isinstance(national_id, str) or not national_id:
            errors[f"{prefix}.national_id"] = [_("身份证号码必须填写。")]
            row_ok = False
        elif not _is_code(national_id, 18):
            errors[f"{prefix}.national_id"] = [_national_id_error(national_id)]
            row_ok = False
        if not _is_period(period):
            errors[f"{prefix}.period"] = [_("期号格式为 YYYYMM，例如 202404。")]
            row_ok = False
        elif period not in periods:
            errors[f"{prefix}.period"] = [
                _("期号 %(period)s 不在本批次的退费期号内。") % {"period": period}
            ]
            row_ok = False
        if paid is None:
            errors[f"{prefix}.paid_base"] = [_("原缴费基数是大于0、最多两位小数的金额。")]
            row_ok = False
        if corrected is None:
            errors[f"{prefix}.corrected_base"] = [_("核定后基数是大于0、最多两位小数的金额。")]
            row_ok = False
        elif paid is not None and corrected >= paid:
            errors[f"{prefix}.corrected_base"] = [_("核定后基数必须低于原缴费基数。")]
            row_ok = False
        if row_ok:
            seen = first_row.setdefault((national_id, period), index)
            if seen != index:
                errors[f"{prefix}.national_id"] = [
                    _("与第 %(row)d 行重复（同一职工同一期号）。") % {"row": seen}
                ]
                row_ok = False
        if row_ok:
            parsed.append((index, national_id, period, paid, corrected))
    return parsed


def _persons_by_national_id(national_ids: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ids = sorted(national_ids)
    for start in range(0, len(ids), 5000):
        found.update(
            InsuredPerson.objects.filter(national_id__in=ids[start : start + 5000]).values_list(
                "national_id", "pk"
            )
        )
    return found


def _bases_on_record(*, region: Region, person_ids: set[int], periods) -> dict:
    """{(person id, period): the base of the contribution on record, in fen}."""
    found = {}
    ids = sorted(person_ids)
    for start in range(0, len(ids), 5000):
        found.update(
            {
                (person_id, period): base_fen
                for person_id, period, base_fen in Contribution.objects.filter(
                    region=region, period__in=periods, person_id__in=ids[start : start + 5000]
                ).values_list("person_id", "period", "base_fen")
            }
        )
    return found


def _employment(spans, period: str, window_start: dt.date):
    """(employed, exclusion) of one person and period: excluded from the month of the event
    (stop, leaving, retirement, whole-unit transfer) on; not employed when there was no span
    with the employer that period and no event inside the refund window explains it."""
    first, last = period_days(period)
    if len(spans) == 1 and spans[0].ended_on is None:
        # Most employees: one span, still open.
        return spans[0].since <= last, ""
    covering = [s for s in spans if s.since <= last and (s.ended_on is None or s.ended_on > first)]
    ended = [
        s
        for s in spans
        if s.ended_on is not None
        and s.ended_on <= last
        and s.end_reason != enrollment.EnrollmentStatus.MERGED
    ]
    still = any(s.ended_on is None or s.ended_on > last for s in covering)
    event = max(ended, key=lambda s: s.ended_on, default=None)
    if covering and still:
        return True, ""
    if event is not None and (covering or event.ended_on >= window_start):
        return True, _EXCLUSION_BY_STOP.get(event.end_reason, RefundItem.Exclusion.STOPPED)
    return bool(covering), ""


def refund_batch_check(
    *, reference, region_code, employer_code, periods, items: Sequence
) -> CheckedBatch:
    """Check a batch as the tax department sends it (API.md): every row against what we
    hold, in a few set-based reads. Raises BatchInvalid with a row-by-row report, or Refused
    (409, field `reference`) when the reference was used before."""
    errors: dict[str, list[str]] = {}
    region, employer, good_periods = _check_header(
        reference=reference,
        region_code=region_code,
        employer_code=employer_code,
        periods=periods,
        items=items,
        errors=errors,
    )
    if "reference" not in errors:
        _reference_free(reference)
    if "items" in errors:
        raise BatchInvalid(errors)
    parsed = _parse_rows(items, set(good_periods), errors)
    if region is None or employer is None or not good_periods:
        raise BatchInvalid(errors)
    persons = _persons_by_national_id({row[1] for row in parsed})
    person_ids = set(persons.values())
    bases = _bases_on_record(region=region, person_ids=person_ids, periods=good_periods)
    spans = enrollment.employments_with(employer_id=employer.pk, person_ids=person_ids)
    retired = enrollment.retirements_of(person_ids=person_ids)
    window_start = period_days(good_periods[0])[0]
    rows = []
    for index, national_id, period, paid, corrected in parsed:
        prefix = f"items[{index}]"
        person_id = persons.get(national_id)
        if person_id is None:
            errors[f"{prefix}.national_id"] = [_national_id_error(national_id)]
            continue
        employed, exclusion = _employment(spans.get(person_id, []), period, window_start)
        if not employed:
            errors[f"{prefix}.national_id"] = [
                _("该职工 %(period)s 不在本单位参保。") % {"period": period}
            ]
            continue
        on_record = bases.get((person_id, period))
        if on_record is None:
            errors[f"{prefix}.paid_base"] = [
                _("该职工 %(period)s 没有缴费记录。") % {"period": period}
            ]
            continue
        if on_record != paid:
            errors[f"{prefix}.paid_base"] = [
                _("原缴费基数与缴费记录不符：记录为 %(base)s 元。")
                % {"base": Decimal(on_record) / 100}
            ]
            continue
        if not exclusion and person_id in retired:
            since = retired[person_id]
            if since is None or since <= period_days(period)[1]:
                exclusion = RefundItem.Exclusion.RETIRED
        rows.append(CheckedRow(index, person_id, period, paid, corrected, exclusion))
    if errors:
        raise BatchInvalid(errors)
    return CheckedBatch(
        reference=reference, region=region, employer=employer, periods=good_periods, rows=rows
    )


# The calculation, one statement for the whole batch: that period's band clamps the corrected
# base; each share is the base times that period's rate (in 1/10000), rounded half up to the
# fen in integers, so every database computes exactly; an excluded row refunds nothing.
_CALCULATE = """
    INSERT INTO refunds_refunditem
        (batch_id, line, person_id, period, paid_base_fen, corrected_base_fen, applied_base_fen,
         employer_paid_fen, individual_paid_fen, employer_due_fen, individual_due_fen,
         employer_refund_fen, individual_refund_fen, exclusion)
    WITH {rows}, {policies},
    calc AS (
        SELECT r.line, r.person_id, r.period, r.paid_base_fen, r.corrected_base_fen, r.exclusion,
               CASE WHEN r.corrected_base_fen < p.floor_fen THEN p.floor_fen
                    WHEN r.corrected_base_fen > p.ceiling_fen THEN p.ceiling_fen
                    ELSE r.corrected_base_fen END AS applied,
               c.employer_share_fen AS employer_paid, c.individual_share_fen AS individual_paid,
               p.employer_rate, p.individual_rate
        FROM item_rows r
        JOIN period_policies p ON p.period = r.period
        JOIN accounts_contribution c
          ON c.person_id = r.person_id AND c.region_id = %s AND c.period = r.period
    ),
    due AS (
        SELECT calc.*, (applied * employer_rate + 5000) / 10000 AS employer_due,
               (applied * individual_rate + 5000) / 10000 AS individual_due
        FROM calc
    )
    SELECT %s, line, person_id, period, paid_base_fen, corrected_base_fen, applied,
           employer_paid, individual_paid, employer_due, individual_due,
           CASE WHEN exclusion <> '' OR employer_paid <= employer_due THEN 0
                ELSE employer_paid - employer_due END,
           CASE WHEN exclusion <> '' OR individual_paid <= individual_due THEN 0
                ELSE individual_paid - individual_due END,
           exclusion
    FROM due
"""


def _rate(value: Decimal) -> int:
    return int(value * 10000)  # RegionPolicy keeps rates to 4 decimals


def _items_insert(batch: RefundBatch, rows: list[CheckedRow]) -> None:
    rows_cte, rows_params = json_rows(
        "item_rows",
        {
            "line": "integer",
            "person_id": "bigint",
            "period": "text",
            "paid_base_fen": "bigint",
            "corrected_base_fen": "bigint",
            "exclusion": "text",
        },
        [
            {
                "line": r.line,
                "person_id": r.person_id,
                "period": r.period,
                "paid_base_fen": r.paid_base_fen,
                "corrected_base_fen": r.corrected_base_fen,
                "exclusion": r.exclusion,
            }
            for r in rows
        ],
    )
    policies = policy.period_policies(pairs={(batch.region_id, p) for p in batch.periods})
    policy_cte, policy_params = json_rows(
        "period_policies",
        {
            "period": "text",
            "employer_rate": "bigint",
            "individual_rate": "bigint",
            "floor_fen": "bigint",
            "ceiling_fen": "bigint",
        },
        [
            {
                "period": period,
                "employer_rate": _rate(values.employer_rate),
                "individual_rate": _rate(values.individual_rate),
                "floor_fen": values.base_floor_fen,
                "ceiling_fen": values.base_ceiling_fen,
            }
            for (_region, period), values in policies.items()
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _CALCULATE.format(rows=rows_cte, policies=policy_cte),
            [*rows_params, *policy_params, batch.region_id, batch.pk],
        )
        if cursor.rowcount != len(rows):
            # A contribution vanished between the check and the insert: nothing is kept.
            raise Refused(_("缴费记录在校验后发生变化，请重新报送本批次。"))


def _totals_update(batch: RefundBatch) -> None:
    totals = RefundItem.objects.filter(batch=batch).aggregate(
        item_count=Count("pk"),
        person_count=Count("person", distinct=True),
        excluded_count=Count("pk", filter=~Q(exclusion="")),
        **{name: Sum(name) for name in _AMOUNTS},
    )
    for name, value in totals.items():
        setattr(batch, name, value or 0)
    batch.save(update_fields=list(totals))


@transaction.atomic
def refund_batch_create(*, checked: CheckedBatch, submitted_by: User | None) -> RefundBatch:
    """Write a checked batch, its items calculated with each period's policy, and its totals.
    Refuses (409, field `reference`) a reference used meanwhile."""
    try:
        with transaction.atomic():
            batch = RefundBatch.objects.create(
                reference=checked.reference,
                region=checked.region,
                employer=checked.employer,
                periods=checked.periods,
                submitted_by=submitted_by,
            )
    except IntegrityError:
        _reference_free(checked.reference)
        raise
    _items_insert(batch, checked.rows)
    _totals_update(batch)
    audit_event_record(
        actor=submitted_by,
        action="refund_batch_receive",
        obj=batch,
        before={},
        after={
            "reference": batch.reference,
            "items": batch.item_count,
            "excluded": batch.excluded_count,
            "refund_fen": batch.refund_fen,
        },
    )
    return batch


def refund_batch_receive(
    *, reference, region_code, employer_code, periods, items, submitted_by: User | None
) -> RefundBatch:
    """Check and write a batch (all or nothing). Refusals: see `refund_batch_check`."""
    checked = refund_batch_check(
        reference=reference,
        region_code=region_code,
        employer_code=employer_code,
        periods=periods,
        items=items,
    )
    return refund_batch_create(checked=checked, submitted_by=submitted_by)


def _batch_lock(batch_id: int) -> RefundBatch:
    """The one way a batch is locked for a decision."""
    try:
        return (
            RefundBatch.objects.select_for_update(of=("self",))
            .select_related("employer")
            .get(pk=batch_id)
        )
    except RefundBatch.DoesNotExist:
        raise NotFound(_("没有这个退费批次。")) from None


def _require_received(batch: RefundBatch) -> None:
    if batch.status != RefundBatch.Status.RECEIVED:
        raise Refused(
            _("该批次已是“%(status)s”，不能再次审核。") % {"status": batch.get_status_display()},
            rule="already_decided",
        )


def posting_key(batch: RefundBatch) -> str:
    return f"refund-batch:{batch.pk}"


@transaction.atomic
def refund_batch_approve(*, batch_id: int, by: User) -> RefundBatch:
    """Staff of the batch's region approve it: the refund moves from the region fund to the
    employer's pending-transfer account, once (the batch is locked; the posting's key is the
    batch's). Refusals: 403 another region's staff, 404 no such batch, 409 already decided."""
    batch = _batch_lock(batch_id)
    require_staff_region(user=by, region_id=batch.region_id)
    _require_received(batch)
    before = audit_snapshot(batch, _DECIDED)
    if batch.refund_fen > 0:
        fund = region_account(region=batch.region)
        pending = employer_account(employer=batch.employer)
        batch.posting_key = posting_key(batch)
        postings_post_rows(
            moves=[
                Move(
                    fund.pk,
                    pending.pk,
                    batch.refund_fen,
                    POSTING_KIND,
                    batch.posting_key,
                    reference=batch.reference,
                )
            ]
        )
    batch.status = RefundBatch.Status.APPROVED
    batch.decided_by, batch.decided_at = by, timezone.now()
    batch.save(update_fields=["status", "decided_by", "decided_at", "posting_key"])
    audit_event_record(
        actor=by,
        action="refund_batch_approve",
        obj=batch,
        before=before,
        after=audit_snapshot(batch, _DECIDED) | {"decided_at": batch.decided_at.isoformat()},
    )
    notification_send(
        recipient=batch.employer,
        kind=Notification.Kind.REFUND,
        text=_("退费批次 %(reference)s 已审核通过，%(amount)s 元已转入单位待转账户。")
        % {"reference": batch.reference, "amount": batch.refund},
        link=f"/employer/refunds/{batch.pk}/",
        reference=batch.reference,
    )
    return batch


@transaction.atomic
def refund_batch_reject(*, batch_id: int, by: User, reason: str) -> RefundBatch:
    """Staff of the batch's region reject it with a reason; no money moves. Refusals: 422 no
    reason, 403 another region's staff, 404 no such batch, 409 already decided."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("驳回时必须填写原因。"), field="reason")
    batch = _batch_lock(batch_id)
    require_staff_region(user=by, region_id=batch.region_id)
    _require_received(batch)
    before = audit_snapshot(batch, _DECIDED)
    batch.status, batch.reason = RefundBatch.Status.REJECTED, reason[:500]
    batch.decided_by, batch.decided_at = by, timezone.now()
    batch.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit_event_record(
        actor=by,
        action="refund_batch_reject",
        obj=batch,
        before=before,
        after=audit_snapshot(batch, _DECIDED) | {"decided_at": batch.decided_at.isoformat()},
        reason=batch.reason,
    )
    notification_send(
        recipient=batch.employer,
        kind=Notification.Kind.REFUND,
        text=_("退费批次 %(reference)s 未通过审核：%(reason)s")
        % {"reference": batch.reference, "reason": batch.reason},
        link=f"/employer/refunds/{batch.pk}/",
        reference=batch.reference,
    )
    return batch
