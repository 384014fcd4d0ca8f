"""Reads for the wallet pages and API."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Sum, When, Window
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identity import birth_date_from_national_id, mask_name
from accounts.models import (
    DesignatedInstitution,
    InsuredPerson,
    PersonalAccount,
    Posting,
    Region,
    RegionPolicy,
    fen_to_yuan,
)
from accounts.services.ledger import yuan_to_fen
from accounts.sql import aware, json_rows, placeholders, select
from enrollment import selectors as enrollment_selectors

from .models import (
    FamilyBinding,
    GuardianReview,
    PaymentCode,
    UsageRegionChange,
    Wallet,
    WalletDailyUsage,
    WalletPayment,
    WalletTransfer,
)
from .services import rows

Live = FamilyBinding.ACTIVE_STATUSES
TransferStatus = WalletTransfer.Status
ADULT_AGE = 18
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _adult_on(born: dt.date) -> dt.date:
    try:
        return born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # born on 29 February
        return born.replace(year=born.year + ADULT_AGE, day=28)


def shanghai_today() -> dt.date:
    return timezone.localdate(timezone.now(), SHANGHAI)


def person_is_minor(*, person: InsuredPerson, today: dt.date | None = None) -> bool:
    """Under 18 on `today` (the Asia/Shanghai date now, unless given)."""
    born = person.birth_date or birth_date_from_national_id(person.national_id)
    return (today or shanghai_today()) < _adult_on(born)


# --- where a person is insured (参保地) ------------------------------------------------------


def insured_regions(*, person_ids) -> dict[int, str | None]:
    """Each person's 参保地 (region code), or None when no enrollment of theirs is live."""
    return enrollment_selectors.insured_regions(person_ids=person_ids)


def insured_region(*, person: InsuredPerson) -> str | None:
    return enrollment_selectors.insured_region(person_id=person.pk)


def insured_region_row(*, person: InsuredPerson) -> Region | None:
    code = insured_region(person=person)
    return Region.objects.filter(pk=code).first() if code else None


def resident_region(*, person: InsuredPerson) -> Region | None:
    """The region of the person's resident-insurance (城乡居民医保) enrollment, if any."""
    return enrollment_selectors.resident_region(person_id=person.pk)


def suspended_in(*, person: InsuredPerson, region_id: str, account_only: bool = False) -> bool:
    """Whether the person's enrollment in the region is suspended (暂停): nothing leaves their
    personal account (`account_only`: the employee/flexible records) or wallet there."""
    pair = (person.pk, region_id)
    return pair in enrollment_selectors.suspended_in_regions(
        pairs=[pair], account_only=account_only
    )


def region_policy(*, region: Region) -> RegionPolicy:
    """The region's wallet policy; a region without a policy row gets the national defaults."""
    try:
        return region.policy
    except RegionPolicy.DoesNotExist:
        return RegionPolicy(region=region)


def wallet_regions() -> QuerySet[Region]:
    return Region.objects.filter(wallet_enabled=True).order_by("code")


def region_label(*, province: str, name: str) -> str:
    """How a select box names a region: with its province unless the region is one."""
    return f"{province} {name}" if province != name else name


# --- family -------------------------------------------------------------------------------


def family_bindings_for_person(*, person: InsuredPerson, live_only: bool = False):
    """Bindings the person is a side of, both directions, with both persons loaded."""
    queryset = FamilyBinding.objects.filter(Q(requester=person) | Q(member=person))
    if live_only:
        queryset = queryset.filter(status__in=Live)
    return queryset.select_related(
        "requester", "member", "requester__wallet", "member__wallet", "guardian_review"
    )


# The pending bindings a person may confirm, on a binding `b` and its member `m`: as an adult
# member, or as a minor member's confirmed guardian; none that waits for staff (a guardian
# binding with evidence). Parameters from `_to_confirm_params`.
_TO_CONFIRM = """b.status = %s AND b.requester_id <> %s
    AND NOT EXISTS (SELECT 1 FROM wallet_guardianreview r
                    WHERE r.binding_id = b.id AND r.status = %s)
    AND ((%s AND b.member_id = %s)
         OR (m.birth_date > %s AND b.member_id IN (
             SELECT g.member_id FROM wallet_familybinding g
             WHERE g.status = %s AND g.guardian = %s AND g.requester_id = %s
             UNION ALL
             SELECT g.requester_id FROM wallet_familybinding g
             WHERE g.status = %s AND g.guardian = %s AND g.member_id = %s)))"""


def _to_confirm_params(*, person: InsuredPerson) -> list:
    today = shanghai_today()
    adult_born_before = (
        today.replace(year=today.year - ADULT_AGE)
        if not (today.month == 2 and today.day == 29)
        else today.replace(year=today.year - ADULT_AGE, day=28)
    )
    guardian = [FamilyBinding.Status.CONFIRMED.value, True, person.pk]
    return [
        FamilyBinding.Status.PENDING.value,
        person.pk,
        GuardianReview.Status.WAITING.value,
        not person_is_minor(person=person, today=today),
        person.pk,
        adult_born_before,
        *guardian,
        *guardian,
    ]


def family_bindings_to_confirm(*, person: InsuredPerson) -> QuerySet[FamilyBinding]:
    """Pending bindings this person may confirm (`_TO_CONFIRM`), with both persons."""
    ids = RawSQL(  # noqa: S611 — constant SQL, placeholders only
        f"""SELECT b.id FROM wallet_familybinding b
            JOIN accounts_insuredperson m ON m.id = b.member_id
            WHERE {_TO_CONFIRM}""",  # noqa: S608 — constant SQL, placeholders only
        _to_confirm_params(person=person),
    )
    return FamilyBinding.objects.filter(pk__in=ids).select_related("requester", "member")


def wallet_todo_rows(*, person: InsuredPerson) -> tuple[list[tuple], list[tuple]]:
    """What waits for the person in the wallet, for the home page's to-dos, newest first, in
    one query: the bindings they may confirm (`family_bindings_to_confirm`) as (member id,
    requester's name, member's name, relation), and the transfers sent to them to accept
    (`incoming_transfers`) as (sender's name, amount in fen, acceptance deadline)."""
    rows = select(
        f"""SELECT 1, b.created_at, b.id, b.member_id, rq.name, m.name, b.relation, NULL, NULL
            FROM wallet_familybinding b
            JOIN accounts_insuredperson m ON m.id = b.member_id
            JOIN accounts_insuredperson rq ON rq.id = b.requester_id
            WHERE {_TO_CONFIRM}
            UNION ALL
            SELECT 2, t.created_at, t.id, NULL, s.name, NULL, NULL, t.amount_fen,
                   t.accept_deadline
            FROM wallet_wallettransfer t
            JOIN accounts_insuredperson s ON s.id = t.sender_id
            WHERE t.recipient_id = %s AND t.status = %s
            ORDER BY 1, 2 DESC, 3 DESC""",  # noqa: S608 — constant SQL, placeholders only
        [*_to_confirm_params(person=person), person.pk, TransferStatus.SENT.value],
    )
    bindings = [row[3:7] for row in rows if row[0] == 1]
    transfers = [(row[4], row[7], aware(row[8])) for row in rows if row[0] == 2]
    return bindings, transfers


def family_binding_visible(*, person: InsuredPerson, binding_id: int) -> FamilyBinding | None:
    """A binding the person is a side of, or guards the member of; None for anyone else."""
    binding = (
        FamilyBinding.objects.filter(pk=binding_id).select_related("requester", "member").first()
    )
    if binding is None:
        return None
    if person.pk in (binding.requester_id, binding.member_id):
        return binding
    if FamilyBinding.objects.filter(
        Q(requester=person, member_id=binding.member_id)
        | Q(member=person, requester_id=binding.member_id),
        status=FamilyBinding.Status.CONFIRMED,
        guardian=True,
    ).exists():
        return binding
    return None


def confirmed_binding_between(*, person: InsuredPerson, other_id: int) -> FamilyBinding | None:
    return (
        FamilyBinding.objects.filter(status=FamilyBinding.Status.CONFIRMED)
        .filter(Q(requester=person, member_id=other_id) | Q(requester_id=other_id, member=person))
        .first()
    )


def transfer_recipients(*, person: InsuredPerson) -> list[tuple[FamilyBinding, InsuredPerson]]:
    """Confirmed family members whose wallet is open: who this person can send to."""
    result = []
    for binding in family_bindings_for_person(person=person).filter(
        status=FamilyBinding.Status.CONFIRMED
    ):
        other = binding.other(person.pk)
        wallet = getattr(other, "wallet", None)
        if wallet is not None and wallet.status == Wallet.Status.OPEN:
            result.append((binding, other))
    return result


# --- wallets --------------------------------------------------------------------------------


def wallet_for_person(*, person: InsuredPerson) -> Wallet | None:
    return (
        Wallet.objects.filter(person=person)
        .select_related("account", "insured_region__policy", "usage_region", "person", "opened_by")
        .first()
    )


def wallet_balance_fen(*, person_id: int) -> int | None:
    """The balance of the person's wallet, or None without one (the home page's card)."""
    rows = select(
        """SELECT a.balance_fen FROM wallet_wallet w
           JOIN accounts_ledgeraccount a ON a.id = w.account_id
           WHERE w.person_id = %s""",
        [person_id],
    )
    return rows[0][0] if rows else None


def wallet_usage_history(*, wallet: Wallet) -> QuerySet[UsageRegionChange]:
    return UsageRegionChange.objects.filter(wallet=wallet).select_related(
        "from_region", "to_region", "changed_by"
    )


def wallet_history(*, wallet: Wallet) -> QuerySet[Posting]:
    """Every posting of the wallet, newest first, each with the balance right after it."""
    account_id = wallet.account_id
    signed = Case(
        When(to_account_id=account_id, then=F("amount_fen")),
        default=-F("amount_fen"),
    )
    return (
        Posting.objects.filter(Q(from_account_id=account_id) | Q(to_account_id=account_id))
        .annotate(
            signed_fen=signed,
            running_fen=Window(Sum(signed), order_by=[F("created_at").asc(), F("pk").asc()]),
        )
        .order_by("-created_at", "-pk")
    )


def wallet_payments(*, wallet: Wallet) -> QuerySet[WalletPayment]:
    return WalletPayment.objects.filter(wallet=wallet).select_related("beneficiary", "region")


# --- transfers ------------------------------------------------------------------------------


def payment_codes_for_person(*, person: InsuredPerson, limit: int = 20) -> list[PaymentCode]:
    """The person's latest payment codes with their institution, newest first."""
    return list(PaymentCode.objects.filter(person=person).select_related("institution")[:limit])


def designated_institutions(*, region: Region) -> list[DesignatedInstitution]:
    """Institutions where a wallet used in `region` can pay."""
    return list(DesignatedInstitution.objects.filter(region=region).order_by("name", "code"))


def transfers_for_person(*, person: InsuredPerson) -> QuerySet[WalletTransfer]:
    """The person's sent and received transfers; codes awaiting the sender only are theirs."""
    return (
        WalletTransfer.objects.filter(
            Q(sender=person)
            | Q(recipient=person, status__in=[s for s in TransferStatus if s not in _UNSENT])
        )
        .select_related("sender", "recipient")
        .order_by("-created_at", "-pk")
    )


_UNSENT = (TransferStatus.AWAITING_CODE, TransferStatus.CANCELLED, TransferStatus.EXPIRED)


def transfer_visible(*, person: InsuredPerson, transfer_id: int) -> WalletTransfer | None:
    """The transfer if this person is its sender or (once sent) its recipient, else None."""
    return transfers_for_person(person=person).filter(pk=transfer_id).first()


def incoming_transfers(*, person: InsuredPerson) -> QuerySet[WalletTransfer]:
    return transfers_for_person(person=person).filter(recipient=person, status=TransferStatus.SENT)


def sent_today(*, person: InsuredPerson, day) -> tuple[int, int]:
    """The transfers the person sent on the day and their total in fen."""
    usage = WalletDailyUsage.objects.filter(sender=person, day=day).first()
    return (usage.transfers, usage.amount_fen) if usage else (0, 0)


def transfer_allowance(*, person: InsuredPerson, wallet: Wallet | None) -> dict | None:
    """What the transfer form says before anything is typed: the personal account's available
    balance, the region's per-transfer maximum, what is left of today's count and total, and the
    most one transfer may carry now (the least of these). The same figures the rules in
    services/transfers/checks.py refuse by; this only reads them."""
    if wallet is None:
        return None
    policy = region_policy(region=wallet.insured_region)
    used, used_fen = sent_today(person=person, day=timezone.localdate())
    source = (
        PersonalAccount.objects.filter(person=person, region_id=wallet.insured_region_id)
        .exclude(status=PersonalAccount.Status.CLOSED)
        .select_related("current", "carried")
        .order_by("pk")
        .first()
    )
    available_fen = 0
    if source is not None and source.status == PersonalAccount.Status.ACTIVE:
        available_fen = source.current.balance_fen + source.carried.balance_fen
    count_left = max(policy.wallet_max_transfers_per_day - used, 0)
    daily_left_fen = max(yuan_to_fen(policy.wallet_max_daily_amount) - used_fen, 0)
    per_transfer_fen = yuan_to_fen(policy.wallet_max_transfer_amount)
    most_fen = min(available_fen, per_transfer_fen, daily_left_fen) if count_left else 0
    return {
        "policy": policy,
        "used": used,
        "left": count_left,
        "available": fen_to_yuan(available_fen),
        "per_transfer": fen_to_yuan(per_transfer_fen),
        "daily": fen_to_yuan(yuan_to_fen(policy.wallet_max_daily_amount)),
        "amount_left": fen_to_yuan(daily_left_fen),
        "most": fen_to_yuan(most_fen),
        "most_fen": most_fen,
    }


def live_family_binding_ids_of(*, person_ids) -> list[int]:
    """Live bindings with either side among these persons: the ids go as one JSON parameter,
    as a feed or a resolution run may name 100,000s of persons."""
    changed, params = json_rows("changed", {"id": "bigint"}, [{"id": pk} for pk in person_ids])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH {changed}
                SELECT b.id FROM wallet_familybinding b
                WHERE b.status IN (%s, %s)
                  AND (b.requester_id IN (SELECT id FROM changed)
                       OR b.member_id IN (SELECT id FROM changed))""",  # noqa: S608 — constant SQL, placeholders only
            [*params, *FamilyBinding.ACTIVE_STATUSES],
        )
        return [row[0] for row in cursor.fetchall()]


def guardian_review_wait_reason(review: GuardianReview) -> str:
    """What a guardian review waits for ("" once decided); reads the binding's two persons
    and the region (selected with the review)."""
    if review.status != GuardianReview.Status.WAITING:
        return ""
    return _(
        "%(parent)s 申请绑定未成年子女 %(child)s（首次监护绑定），等待%(region)s经办人员"
        "核对证明材料“%(evidence)s”。"
    ) % {
        "parent": review.binding.requester.name,
        "child": review.binding.member.name,
        "region": review.region.name,
        "evidence": review.evidence_name,
    }


_TRANSFER_PERSONS = """
    SELECT t.id, t.sender_id, s.name, r.name
    FROM wallet_wallettransfer t
    JOIN accounts_insuredperson s ON s.id = t.sender_id
    JOIN accounts_insuredperson r ON r.id = t.recipient_id
    WHERE t.id IN ({ids})
"""
_PAYMENT_BENEFICIARIES = """
    SELECT w.id, w.institution_name, b.name
    FROM wallet_walletpayment w
    JOIN accounts_insuredperson b ON b.id = w.beneficiary_id
    WHERE w.id IN ({ids})
"""


def statement_details(*, references: set[str], viewer_id: int | None) -> dict[str, dict]:
    """What a statement says of wallet postings: whom a transfer went to or came from (the
    other side's masked name) and its number; the institution and bill of a payment. One raw
    query per kind of reference present (a statement page reads only a few columns)."""
    details: dict[str, dict] = {}
    transfer_ids = _ids(references, "wallet_transfer:")
    payment_ids = _ids(references, "wallet_payment:")
    with connection.cursor() as cursor:
        if transfer_ids:
            cursor.execute(
                _TRANSFER_PERSONS.format(ids=placeholders(len(transfer_ids))), transfer_ids
            )
            for pk, sender_id, sender, recipient in cursor.fetchall():
                other = recipient if sender_id == viewer_id else sender
                details[f"wallet_transfer:{pk}"] = {
                    "counterparty": _("家庭成员 %(name)s") % {"name": mask_name(other)},
                    "purpose": _("转账编号 %(number)s") % {"number": pk},
                }
        if payment_ids:
            cursor.execute(
                _PAYMENT_BENEFICIARIES.format(ids=placeholders(len(payment_ids))), payment_ids
            )
            for pk, institution, beneficiary in cursor.fetchall():
                detail = {"purpose": _("受益人 %(name)s") % {"name": mask_name(beneficiary)}}
                if institution:
                    detail["counterparty"] = institution
                details[f"wallet_payment:{pk}"] = detail
    return details


def _ids(references: set[str], prefix: str) -> list[int]:
    numbers = (r.removeprefix(prefix) for r in references if r.startswith(prefix))
    return [int(number) for number in numbers if number.isdigit()]


# --- the wallet pages' rows -----------------------------------------------------------------


def _fetch_dicts(sql: str, params) -> list[dict]:
    """Rows of a raw read (see accounts.sql.select) as dicts by column name."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def wallet_region_rows() -> list[tuple[str, str, str]]:
    """(code, province, name) of every region where a wallet can be used, by code."""
    return select(
        "SELECT code, province, name FROM accounts_region WHERE wallet_enabled ORDER BY code", []
    )


def wallet_region_choices() -> list[tuple[str, str]]:
    """(code, label) of every region where a wallet can be used, for a select box."""
    return [
        (code, region_label(province=province, name=name))
        for code, province, name in wallet_region_rows()
    ]


def family_rows(*, person: InsuredPerson) -> list[dict]:
    """The bindings `family_bindings_for_person` finds, newest first, as the family page lists
    them: id, outgoing (the person asked), relation (as the requester named the member),
    status, guardian, end_reason, the other side's name, national_id, wallet_status (None
    without a wallet) and wallet_region (where they were insured when bound), and the
    guardian review's status (None without one)."""
    found = _fetch_dicts(
        """SELECT b.id, b.requester_id = %s AS outgoing, b.relation, b.status, b.guardian,
                  b.end_reason, o.name, o.national_id, w.status AS wallet_status,
                  CASE WHEN b.requester_id = %s THEN b.member_region_id
                       ELSE b.requester_region_id END AS wallet_region,
                  g.status AS review_status
           FROM wallet_familybinding b
           JOIN accounts_insuredperson o
             ON o.id = CASE WHEN b.requester_id = %s THEN b.member_id ELSE b.requester_id END
           LEFT JOIN wallet_wallet w ON w.person_id = o.id
           LEFT JOIN wallet_guardianreview g ON g.binding_id = b.id
           WHERE b.requester_id = %s OR b.member_id = %s
           ORDER BY b.created_at DESC, b.id DESC""",
        [person.pk] * 5,
    )
    for row in found:  # SQLite answers 0 and 1
        row["outgoing"], row["guardian"] = bool(row["outgoing"]), bool(row["guardian"])
    return found


# The policy's columns and types as the transfer paths read them (services/rows.py).
_WALLET_PAGE = f"""
SELECT w.id, w.status, w.phone, w.opened_at, w.opened_by_id, w.usage_region_id, w.insured_region_id,
       a.balance_fen, ir.name AS insured_region_name, ur.name AS usage_region_name,
       o.name AS opened_by_name, COALESCE(u.transfers, 0) AS used, {rows.POLICY_COLUMNS}
FROM wallet_wallet w
JOIN accounts_ledgeraccount a ON a.id = w.account_id
JOIN accounts_region ir ON ir.code = w.insured_region_id
JOIN accounts_region ur ON ur.code = w.usage_region_id
JOIN accounts_insuredperson o ON o.id = w.opened_by_id
LEFT JOIN accounts_regionpolicy p ON p.region_id = w.insured_region_id
LEFT JOIN wallet_walletdailyusage u ON u.sender_id = w.person_id AND u.day = %s
WHERE w.person_id = %s"""  # noqa: S608 — constant SQL, placeholders only


def wallet_page(*, person: InsuredPerson, day: dt.date) -> dict | None:
    """What the wallet page shows of the person's wallet, in one query: status, balance, both
    regions' names, the phone, when and by whom it was opened, the insured region's `policy`
    (the national defaults where it has none) and `used`, the transfers sent on `day`. None
    without a wallet."""
    row = rows.fetch(_WALLET_PAGE, [day, person.pk])
    if row is not None:
        row["opened_at"] = aware(row["opened_at"])
        row["policy"] = rows.policy(row, row["insured_region_id"])
    return row


def wallet_usage_rows(*, wallet_id: int, limit: int = 20) -> list[tuple]:
    """The wallet's latest usage-region changes, newest first: (changed_at, from region's
    name or None for the opening, to region's name, the name of who changed it)."""
    found = select(
        """SELECT c.changed_at, f.name, t.name, p.name
           FROM wallet_usageregionchange c
           LEFT JOIN accounts_region f ON f.code = c.from_region_id
           JOIN accounts_region t ON t.code = c.to_region_id
           JOIN accounts_insuredperson p ON p.id = c.changed_by_id
           WHERE c.wallet_id = %s
           ORDER BY c.changed_at DESC, c.id DESC
           LIMIT %s""",
        [wallet_id, limit],
    )
    return [(aware(at), *names) for at, *names in found]


def transfer_rows(*, person: InsuredPerson, limit: int = 200) -> list[dict]:
    """The latest of the transfers `transfers_for_person` finds, newest first, as dicts: id,
    created_at, sender_id, sender (name), recipient (name), amount_fen, status, finish_reason
    and accept_deadline."""
    unsent = ", ".join(["%s"] * len(_UNSENT))
    found = _fetch_dicts(
        f"""SELECT t.id, t.created_at, t.sender_id, s.name AS sender, r.name AS recipient,
                  t.amount_fen, t.status, t.finish_reason, t.accept_deadline
           FROM wallet_wallettransfer t
           JOIN accounts_insuredperson s ON s.id = t.sender_id
           JOIN accounts_insuredperson r ON r.id = t.recipient_id
           WHERE t.sender_id = %s OR (t.recipient_id = %s AND t.status NOT IN ({unsent}))
           ORDER BY t.created_at DESC, t.id DESC
           LIMIT %s""",  # noqa: S608 — constant SQL, placeholders only
        [person.pk, person.pk, *(status.value for status in _UNSENT), limit],
    )
    for row in found:
        row["created_at"] = aware(row["created_at"])
        row["accept_deadline"] = aware(row["accept_deadline"])
    return found


def incoming_transfer_rows(*, person: InsuredPerson) -> list[tuple]:
    """The transfers waiting for this person to accept, newest first, as (id, the sender's
    name, amount in fen, accept deadline): what the wallet page lists."""
    found = select(
        """SELECT t.id, s.name, t.amount_fen, t.accept_deadline
           FROM wallet_wallettransfer t
           JOIN accounts_insuredperson s ON s.id = t.sender_id
           WHERE t.recipient_id = %s AND t.status = %s
           ORDER BY t.created_at DESC, t.id DESC""",
        [person.pk, TransferStatus.SENT.value],
    )
    return [(pk, name, fen, aware(deadline)) for pk, name, fen, deadline in found]
