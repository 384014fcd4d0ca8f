"""Staff steps: 转出 approval (certificate, money to in-transit), 转入 acceptance (money lands in
the new region), rejection by the side whose turn it is (money in transit goes back).

Each step locks the application row first, then the ledger accounts through the ledger's own
lock (primary-key order), and does everything in one transaction.
"""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import LedgerAccount, PersonalAccount, User, fen_to_yuan
from accounts.permissions import require_staff_side
from accounts.services.ledger import Move, ledger_accounts_lock, postings_create, region_account
from accounts.services.periods import accounting_period_require_open
from accounts.services.person_regions import person_region_link
from accounts.services.personal_accounts import personal_account_close, personal_account_for
from enrollment.models import EMPLOYEE_SCHEMES, EnrollmentStatus
from enrollment.selectors import enrollments_in_region
from enrollment.services.transfer_out import enrollment_mark_transferred_out

from ..models import TransferApplication, TransferStatus
from ..selectors import months_paid_by_year
from ._common import (
    TRANSITIONS,
    application_lock,
    audit_snapshot,
    step_record,
    transition_check,
)
from .apply import scheme_group

POSTING_KIND = "TRANSFER"
Kind = LedgerAccount.Kind


def _sides(application: TransferApplication) -> dict[str, str]:
    return {"out": application.from_region_id, "in": application.to_region_id}


def _require_side(application: TransferApplication, by: User, action: str) -> None:
    side = TRANSITIONS[action][2]
    require_staff_side(
        user=by,
        sides=_sides(application),
        side=side,
        message=_("此步骤由%(role)s %(region)s 的经办人员办理。")
        % {
            "role": _("转出地") if side == "out" else _("转入地"),
            "region": (application.from_region if side == "out" else application.to_region).name,
        },
    )


def _transit_account(application: TransferApplication) -> LedgerAccount:
    return region_account(region=application.from_region, kind=Kind.TRANSFER_TRANSIT)


def _key(application: TransferApplication, *parts) -> str:
    return ":".join(["transfer", str(application.pk), *map(str, parts)])


def _certificate_number(application: TransferApplication, today) -> str:
    return f"{application.from_region_id}{today:%Y%m%d}{secrets.token_hex(4).upper()}"


def transfer_out_approve(*, application_id: int, by: User) -> TransferApplication:
    """转出地 approves: the 《参保凭证》 is issued and the old personal accounts' balances (both
    parts) move to the in-transit account. Refuses staff of another region (403), a status that
    does not allow it and a period under assessment (409); approving again changes nothing."""
    with transaction.atomic():
        application = application_lock(application_id)
        _require_side(application, by, "out_approve")
        if application.status in (TransferStatus.OUT_APPROVED, TransferStatus.COMPLETED):
            return application
        transition_check(application, "out_approve")
        accounting_period_require_open(region_code=application.from_region_id)
        before = audit_snapshot(application)
        accounts = list(
            PersonalAccount.objects.filter(
                person_id=application.person_id, region_id=application.from_region_id
            )
            .exclude(status=PersonalAccount.Status.CLOSED)
            .order_by("pk")
        )
        transit = _transit_account(application)
        locked = ledger_accounts_lock(
            [transit.pk] + [i for a in accounts for i in (a.current_id, a.carried_id)]
        )
        moves, parts = [], []
        for account in accounts:
            part = {"account": account.pk}
            for name, ledger_id in (
                ("current", account.current_id),
                ("carried", account.carried_id),
            ):
                amount = locked[ledger_id].balance_fen
                part[name] = amount
                if amount:
                    moves.append(
                        Move(
                            ledger_id,
                            transit.pk,
                            amount,
                            POSTING_KIND,
                            _key(application, "out", account.pk, name),
                            reference=_key(application),
                        )
                    )
            parts.append(part)
        if moves:
            postings_create(moves=moves, locked=locked)
        now = timezone.now()
        today = timezone.localdate(now)
        application.transit_parts = parts
        application.out_approved_at = now
        application.certificate_number = _certificate_number(application, today)
        application.certificate_issued_on = today
        application.certificate_data = _certificate_data(application)
        step_record(
            application,
            action="out_approve",
            by=by,
            before=before,
            note=_("已开具《参保凭证》，校验码 %(number)s。")
            % {"number": application.certificate_number},
        )
    return application


def _certificate_data(application: TransferApplication) -> dict:
    """What the certificate shows, fixed at issue."""

    years = months_paid_by_year(
        person_id=application.person_id, region_id=application.from_region_id
    )
    current = sum(p["current"] for p in application.transit_parts)
    carried = sum(p["carried"] for p in application.transit_parts)
    return {
        "months_by_year": {str(year): months for year, months in years.items()},
        "months_total": sum(years.values()),
        "current_year": str(fen_to_yuan(current)),
        "carried_over": str(fen_to_yuan(carried)),
        "balance": str(fen_to_yuan(current + carried)),
    }


def transfer_in_accept(*, application_id: int, by: User) -> TransferApplication:
    """转入地 accepts: the money in transit lands in the person's personal account of the new
    region (opened if needed; current-year and carried-over apart), the old accounts close, the
    old enrollment is marked transferred out. Accepting again moves nothing."""
    with transaction.atomic():
        application = application_lock(application_id)
        _require_side(application, by, "in_accept")
        if application.status == TransferStatus.COMPLETED:
            return application
        transition_check(application, "in_accept")
        accounting_period_require_open(region_code=application.to_region_id)
        before = audit_snapshot(application)
        person = application.person
        old_accounts = list(
            PersonalAccount.objects.filter(pk__in=[p["account"] for p in application.transit_parts])
            .exclude(status=PersonalAccount.Status.CLOSED)
            .order_by("pk")
        )
        if application.scheme in EMPLOYEE_SCHEMES:
            new = personal_account_for(person=person, region=application.to_region)
            _money_in(application, new=new, old_accounts=old_accounts)
        for account in old_accounts:
            personal_account_close(
                account=account,
                reason=_("已转出至 %(region)s（转移接续 #%(id)s）")
                % {"region": application.to_region.name, "id": application.pk},
            )
        for enrollment in enrollments_in_region(
            person=person,
            region_id=application.from_region_id,
            schemes=scheme_group(application.scheme),
        ):
            if enrollment.status == EnrollmentStatus.STOPPED:
                enrollment_mark_transferred_out(
                    enrollment=enrollment,
                    to_region_name=application.to_region.name,
                    application_id=application.pk,
                )
        person_region_link(person=person, region=application.to_region)
        application.finished_at = timezone.now()
        step_record(application, action="in_accept", by=by, before=before)
    return application


def _money_in(application, *, new: PersonalAccount, old_accounts: list[PersonalAccount]) -> None:
    """In-transit money, and anything credited to the old accounts since, into the new one."""
    transit = _transit_account(application)
    locked = ledger_accounts_lock(
        [transit.pk, new.current_id, new.carried_id]
        + [i for a in old_accounts for i in (a.current_id, a.carried_id)]
    )
    moves = []
    for name, to_id in (("current", new.current_id), ("carried", new.carried_id)):
        amount = sum(p[name] for p in application.transit_parts)
        if amount:
            moves.append(
                Move(
                    transit.pk,
                    to_id,
                    amount,
                    POSTING_KIND,
                    _key(application, "in", name),
                    reference=_key(application),
                )
            )
    for account in old_accounts:
        for name, from_id, to_id in (
            ("current", account.current_id, new.current_id),
            ("carried", account.carried_id, new.carried_id),
        ):
            late = locked[from_id].balance_fen
            if late:
                moves.append(
                    Move(
                        from_id,
                        to_id,
                        late,
                        POSTING_KIND,
                        _key(application, "late", account.pk, name),
                        reference=_key(application),
                    )
                )
    if moves:
        postings_create(moves=moves, locked=locked)


def transfer_reject(*, application_id: int, by: User, reason: str) -> TransferApplication:
    """The side whose turn it is refuses, with a reason; after 转出 approval the money in
    transit goes back to the old accounts, part by part."""
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleViolation(_("请填写不予办理的原因。"), field="reason", status_code=400)
    with transaction.atomic():
        application = application_lock(application_id)
        action = "in_reject" if application.status == TransferStatus.OUT_APPROVED else "out_reject"
        _require_side(application, by, action)
        transition_check(application, action)
        before = audit_snapshot(application)
        if action == "in_reject":
            _money_back(application)
        application.reject_reason = reason[:500]
        application.finished_at = timezone.now()
        step_record(application, action=action, by=by, before=before, note=reason)
    return application


def _money_back(application: TransferApplication) -> None:
    transit = _transit_account(application)
    accounts = PersonalAccount.objects.in_bulk([p["account"] for p in application.transit_parts])
    moves = []
    for part in application.transit_parts:
        account = accounts[part["account"]]
        for name, to_id in (("current", account.current_id), ("carried", account.carried_id)):
            if part[name]:
                moves.append(
                    Move(
                        transit.pk,
                        to_id,
                        part[name],
                        POSTING_KIND,
                        _key(application, "back", account.pk, name),
                        reference=_key(application),
                    )
                )
    if moves:
        postings_create(moves=moves)
