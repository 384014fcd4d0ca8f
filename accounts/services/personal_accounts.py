"""Personal accounts (个人账户): opening, freezing (封存), spending, merging."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import (
    Contribution,
    InsuredPerson,
    LedgerAccount,
    PersonalAccount,
    Region,
    fen_to_yuan,
)

from .ledger import InsufficientBalance, ledger_accounts_lock, posting_create

Kind = LedgerAccount.Kind
Status = PersonalAccount.Status


def current_period() -> str:
    return timezone.localdate().strftime("%Y%m")


@transaction.atomic
def personal_account_open(
    *, person: InsuredPerson, region: Region, record_id: str = "", opened_period: str = ""
) -> PersonalAccount:
    """The person's account in the region (个人编号 `record_id`), opened once."""
    existing = PersonalAccount.objects.filter(
        person=person, region=region, record_id=record_id
    ).first()
    if existing is not None:
        return existing
    current = LedgerAccount.objects.create(kind=Kind.PERSON_CURRENT, person=person, region=region)
    carried = LedgerAccount.objects.create(kind=Kind.PERSON_CARRIED, person=person, region=region)
    return PersonalAccount.objects.create(
        person=person,
        region=region,
        record_id=record_id,
        current=current,
        carried=carried,
        opened_period=opened_period or current_period(),
    )


def personal_account_for(*, person: InsuredPerson, region: Region) -> PersonalAccount:
    """The account money for this person and region goes to: the open one, oldest first."""
    account = (
        PersonalAccount.objects.filter(person=person, region=region)
        .exclude(status=Status.CLOSED)
        .order_by("pk")
        .first()
    )
    return account or personal_account_open(person=person, region=region)


def personal_accounts_for(
    *, pairs: set[tuple[InsuredPerson, Region]]
) -> dict[tuple[int, str], PersonalAccount]:
    """`personal_account_for` for many (person, region) pairs at once, opening missing ones."""
    found: dict[tuple[int, str], PersonalAccount] = {}
    person_ids = {person.pk for person, _region in pairs}
    candidates = (
        PersonalAccount.objects.filter(person_id__in=person_ids)
        .exclude(status=Status.CLOSED)
        .order_by("-pk")
    )
    wanted = {(person.pk, region.code) for person, region in pairs}
    for account in candidates:
        key = (account.person_id, account.region_id)
        if key in wanted:
            found[key] = account  # descending pk: the oldest wins
    missing = [(p, r) for p, r in pairs if (p.pk, r.code) not in found]
    for account in personal_accounts_open_many(records=[(p, r, "") for p, r in missing]):
        found[(account.person_id, account.region_id)] = account
    return found


def personal_accounts_open_many(
    *, records: list[tuple[InsuredPerson, Region, str]], opened_period: str = ""
) -> list[PersonalAccount]:
    """Open accounts for many new (person, region, 个人编号) records with three bulk inserts."""
    ledger_accounts = LedgerAccount.objects.bulk_create(
        [
            LedgerAccount(kind=kind, person=person, region=region)
            for person, region, _record_id in records
            for kind in (Kind.PERSON_CURRENT, Kind.PERSON_CARRIED)
        ],
        batch_size=2000,
    )
    opened_period = opened_period or current_period()
    return PersonalAccount.objects.bulk_create(
        [
            PersonalAccount(
                person=person,
                region=region,
                record_id=record_id,
                current=ledger_accounts[2 * i],
                carried=ledger_accounts[2 * i + 1],
                opened_period=opened_period,
            )
            for i, (person, region, record_id) in enumerate(records)
        ],
        batch_size=2000,
    )


def personal_account_freeze(*, account: PersonalAccount, reason: str) -> PersonalAccount:
    """封存: the balance stays the person's, but nothing is available until unfrozen."""
    if account.status == Status.CLOSED:
        raise BusinessRuleViolation(_("已注销的个人账户不能封存。"))
    account.status, account.status_reason = Status.FROZEN, reason
    account.save(update_fields=["status", "status_reason", "updated_at"])
    return account


def personal_account_unfreeze(*, account: PersonalAccount) -> PersonalAccount:
    if account.status == Status.FROZEN:
        account.status, account.status_reason = Status.ACTIVE, ""
        account.save(update_fields=["status", "status_reason", "updated_at"])
    return account


def _require_active(account: PersonalAccount) -> None:
    if account.status != Status.ACTIVE:
        raise BusinessRuleViolation(
            _("个人账户处于“%(status)s”状态，不能支付或转出。")
            % {"status": account.get_status_display()},
        )


@transaction.atomic
def personal_account_spend(
    *,
    account: PersonalAccount,
    to_account: LedgerAccount,
    amount_fen: int,
    kind: str,
    idempotency_key: str,
    reference: str = "",
) -> list:
    """Pay from the account: current year first (unless the region's policy says otherwise)."""
    locked = ledger_accounts_lock([account.current_id, account.carried_id, to_account.pk])
    account = PersonalAccount.objects.select_related("region__policy").get(pk=account.pk)
    _require_active(account)
    parts = [locked[account.current_id], locked[account.carried_id]]
    if not account.region.policy.spend_current_year_first:
        parts.reverse()
    available = sum(part.balance_fen for part in parts)
    if available < amount_fen:
        raise InsufficientBalance(
            _("个人账户余额不足：可用 %(available)s 元。") % {"available": fen_to_yuan(available)},
            field="amount",
        )
    postings, remaining = [], amount_fen
    for part in parts:
        take = min(part.balance_fen, remaining)
        if take:
            postings.append(
                posting_create(
                    from_account=part,
                    to_account=to_account,
                    amount_fen=take,
                    kind=kind,
                    idempotency_key=f"{idempotency_key}:{part.kind}",
                    reference=reference,
                )
            )
            remaining -= take
    return postings


@transaction.atomic
def personal_account_merge(
    *, source: PersonalAccount, target: PersonalAccount, reason: str, key: str = ""
) -> PersonalAccount:
    """Two records of one person in one region become one: money and contributions follow.

    `key` names this merge (e.g. its case); without it the source's id does, once.
    """
    if (source.person_id, source.region_id) != (target.person_id, target.region_id):
        raise BusinessRuleViolation(_("只能合并同一参保人在同一统筹区的个人账户。"))
    if source.pk == target.pk:
        return target
    locked = ledger_accounts_lock(
        [source.current_id, source.carried_id, target.current_id, target.carried_id]
    )
    for part, into in (
        (source.current_id, target.current_id),
        (source.carried_id, target.carried_id),
    ):
        if locked[part].balance_fen > 0:
            posting_create(
                from_account=locked[part],
                to_account=locked[into],
                amount_fen=locked[part].balance_fen,
                kind="ACCOUNT_MERGE",
                idempotency_key=f"merge:{key or source.pk}:{locked[part].kind}",
                reference=f"personal_account:{target.pk}",
            )
    Contribution.objects.filter(account=source).update(account=target)
    source.status, source.status_reason = Status.CLOSED, reason
    source.save(update_fields=["status", "status_reason", "updated_at"])
    return target
