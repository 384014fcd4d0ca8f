# ruff: noqa: S608 -- SQL composed of constant fragments; every value is a query parameter.
"""Personal accounts (个人账户): opening, freezing (封存), spending, merging."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import NamedTuple

from django.db import connection, transaction
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
from accounts.sql import json_rows

from .audit import audit_event_build, audit_event_record, audit_events_record
from .ledger import (
    InsufficientBalance,
    Move,
    ledger_accounts_lock,
    posting_create,
    postings_post_query,
    postings_post_rows,
    region_account,
)
from .periods import accounting_period_require_open

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


def personal_accounts_receiving(
    *, pairs: set[tuple[int, str]]
) -> dict[tuple[int, str], PersonalAccount]:
    """The account money of each (person id, region code) goes to: the oldest one not closed
    (frozen included). Never opens one: the enrollment feed opens employee/flexible accounts.

    The rows are locked (PostgreSQL), so a merge closing one waits or is waited for: what is
    returned stays open until commit. A pair missing is looked up once more: a merge that
    committed while we waited may have opened the account the money now belongs in.
    """
    found: dict[tuple[int, str], PersonalAccount] = {}
    for _attempt in range(2):
        wanted = pairs - found.keys()
        if not wanted:
            break
        candidates = (
            PersonalAccount.objects.select_for_update(no_key=True)
            .filter(person_id__in={person_id for person_id, _region in wanted})
            .exclude(status=Status.CLOSED)
            .order_by("pk")
        )
        for account in candidates:
            key = (account.person_id, account.region_id)
            if key in wanted:
                found.setdefault(key, account)  # ascending pk: the oldest wins
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


def personal_account_close(*, account: PersonalAccount, reason: str) -> PersonalAccount:
    """注销 an emptied account (its money moved on, e.g. a cross-region transfer)."""
    parts = ledger_accounts_lock([account.current_id, account.carried_id])
    if any(part.balance_fen for part in parts.values()):
        raise BusinessRuleViolation(_("个人账户仍有余额，不能注销。"))
    account.status, account.status_reason = Status.CLOSED, reason
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
    current, carried = locked[account.current_id], locked[account.carried_id]
    available = current.balance_fen + carried.balance_fen
    if available < amount_fen:
        raise InsufficientBalance(
            _("个人账户余额不足：可用 %(available)s 元。") % {"available": fen_to_yuan(available)},
            field="amount",
        )
    return [
        posting_create(
            from_account=part,
            to_account=to_account,
            amount_fen=take,
            kind=kind,
            idempotency_key=f"{idempotency_key}:{part.kind}",
            reference=reference,
        )
        for part, take in spend_split(
            current=current,
            carried=carried,
            amount_fen=amount_fen,
            current_year_first=account.region.policy.spend_current_year_first,
        )
    ]


def spend_split(
    *, current: LedgerAccount, carried: LedgerAccount, amount_fen: int, current_year_first: bool
) -> list[tuple[LedgerAccount, int]]:
    """What a payment takes from each part of a personal account (locked, with enough money):
    the current year first, unless the region's policy says otherwise."""
    parts = [current, carried] if current_year_first else [carried, current]
    split, remaining = [], amount_fen
    for part in parts:
        take = min(part.balance_fen, remaining)
        if take:
            split.append((part, take))
            remaining -= take
    return split


@dataclass(frozen=True)
class AccountMerge:
    """One merge to do: `source` goes into `target`. `key` names it for good: the same key
    again never moves money twice."""

    source_id: int
    target_id: int
    key: str
    reason: str


@dataclass
class AccountMergeDetail:
    """What one merge moved and changed: enough to undo it exactly."""

    source: int
    target: int
    current_fen: int
    carried_fen: int
    contributions: list[int]
    source_status: str
    source_status_reason: str
    # The target was opened to receive this merge: undoing it closes the target again.
    target_opened: bool = False

    @classmethod
    def from_record(cls, record: dict) -> "AccountMergeDetail":
        return cls(**{f.name: record[f.name] for f in fields(cls) if f.name in record})


# Pairs per chunk: each statement of a chunk handles a few thousand rows.
MERGE_CHUNK = 2000
MERGE_KIND = "ACCOUNT_MERGE"
UNMERGE_KIND = "ACCOUNT_UNMERGE"
CLAIM_KIND = "ACCOUNT_MERGE_CLAIM"
# The region's clearing account that a claim passes through (see _retiree_credits_claim).
CLAIM_CODE = "MERGE_CLAIM"
UNMERGE_CLOSE_REASON = "撤销合并：此个人账户为接收合并而开立，随撤销注销"
_PARTS = ((Kind.PERSON_CURRENT, "current_id"), (Kind.PERSON_CARRIED, "carried_id"))


class _Account(NamedTuple):
    pk: int
    person_id: int
    region_id: str
    status: str
    status_reason: str
    current_id: int
    carried_id: int


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _personal_accounts(ids: set[int], *, lock: bool = False) -> dict[int, _Account]:
    """The accounts' rows; with `lock`, locked in primary-key order (PostgreSQL) first."""
    wanted, params = json_rows("wanted", {"id": "bigint"}, [{"id": i} for i in ids])
    locking = (
        " ORDER BY pa.id FOR UPDATE OF pa" if lock and connection.vendor == "postgresql" else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH {wanted}
                SELECT pa.id, pa.person_id, pa.region_id, pa.status, pa.status_reason,
                       pa.current_id, pa.carried_id
                FROM accounts_personalaccount pa JOIN wanted ON wanted.id = pa.id{locking}""",
            params,
        )
        return {row[0]: _Account(*row) for row in cursor.fetchall()}


def personal_accounts_check_merge(*, merges: Sequence[AccountMerge], accounts: dict) -> None:
    """The refusals of a merge, from one place: one person in one region, an open target,
    each account merged away once and not also receiving in the same call."""
    sources = [m.source_id for m in merges]
    if len(set(sources)) != len(sources) or set(sources) & {m.target_id for m in merges}:
        raise BusinessRuleViolation(_("一个个人账户在一次合并中只能并出一次，且不能同时并入。"))
    for merge in merges:
        source, target = accounts.get(merge.source_id), accounts.get(merge.target_id)
        if source is None or target is None:
            raise BusinessRuleViolation(_("要合并的个人账户不存在。"), status_code=404)
        if (source.person_id, source.region_id) != (target.person_id, target.region_id):
            raise BusinessRuleViolation(_("只能合并同一参保人在同一统筹区的个人账户。"))
        if target.status == Status.CLOSED:
            raise BusinessRuleViolation(_("不能并入已注销的个人账户。"))


@transaction.atomic
def personal_accounts_merge_many(*, merges: Sequence[AccountMerge]) -> list[AccountMergeDetail]:
    """Several records of one person in one region become one: each source's money goes to
    its target through postings, its contributions follow, and it is closed.

    Set-based, a few statements per chunk of pairs. The personal accounts are locked first, as
    the contribution feed locks them before adding one: a contribution lands on a source
    before the merge (and moves with it, recorded) or after it (on the target). Then the
    ledger accounts, in primary-key order (the ledger's one order), so balances read are
    balances moved. A retiree credit the source had for a period is claimed for the target
    (see `_retiree_credits_claim`). Idempotent: a merge's postings carry keys from its `key`;
    a key already posted moves nothing again. Refused while a region's accounting period is
    under assessment (核定).
    """
    merges = [m for m in merges if m.source_id != m.target_id]
    if not merges:
        return []
    ids = {m.source_id for m in merges} | {m.target_id for m in merges}
    accounts = _personal_accounts(ids, lock=True)
    personal_accounts_check_merge(merges=merges, accounts=accounts)
    for region_code in sorted({accounts[m.source_id].region_id for m in merges}):
        accounting_period_require_open(region_code=region_code)
    ledger_ids = sorted({i for a in accounts.values() for i in (a.current_id, a.carried_id)})
    ledger_accounts_lock(ledger_ids, load=False)
    # Read again under the locks: a concurrent merge of the same accounts has committed now.
    accounts = _personal_accounts(ids)
    personal_accounts_check_merge(merges=merges, accounts=accounts)
    now = timezone.now()
    details = []
    for chunk in _chunks(merges, MERGE_CHUNK):
        details += _merge_chunk(chunk, accounts=accounts, now=now)
    return details


def _merge_chunk(merges, *, accounts, now) -> list[AccountMergeDetail]:
    pairs = [(accounts[m.source_id], accounts[m.target_id], m) for m in merges]
    # The amount is the balance, read under the locks taken above; a key already posted (a
    # retry) posts nothing, and only what is posted moves balances.
    parts, params = json_rows(
        "part",
        {"from_id": "bigint", "to_id": "bigint", "reference": "text", "key": "text"},
        [
            {
                "from_id": getattr(source, column),
                "to_id": getattr(target, column),
                "reference": f"personal_account:{target.pk}",
                "key": f"merge:{merge.key}:{kind}",
            }
            for source, target, merge in pairs
            for kind, column in _PARTS
        ],
    )
    posted = postings_post_query(
        ctes=parts,
        query="""SELECT part.from_id AS from_account_id, part.to_id AS to_account_id,
                        a.balance_fen AS amount_fen, %s AS kind, '' AS period,
                        part.reference AS reference, part.key AS idempotency_key
                 FROM part JOIN accounts_ledgeraccount a ON a.id = part.from_id
                 WHERE a.balance_fen > 0""",
        params=[*params, MERGE_KIND],
        rows=True,
    ).rows
    with connection.cursor() as cursor:
        contributions = list(
            Contribution.objects.filter(account_id__in=[m.source_id for m in merges])
            .order_by("pk")
            .values_list("pk", "account_id")
        )
        if contributions:
            pair, params = json_rows(
                "pair",
                {"source_id": "bigint", "target_id": "bigint"},
                [{"source_id": s.pk, "target_id": t.pk} for s, t, _m in pairs],
            )
            cursor.execute(
                f"""WITH {pair}
                    UPDATE accounts_contribution SET account_id = pair.target_id
                    FROM pair WHERE accounts_contribution.account_id = pair.source_id""",
                params,
            )
        closing = [(s, m.reason) for s, _t, m in pairs if s.status != Status.CLOSED]
        if closing:
            _close_sources(cursor, closing, now=now)
    _retiree_credits_claim(pairs)
    moved = {(from_id, to_id): amount for _pk, from_id, to_id, amount, _kind, _key in posted}
    moved_contributions = defaultdict(list)
    for pk, account_id in contributions:
        moved_contributions[account_id].append(pk)
    return [
        AccountMergeDetail(
            source=source.pk,
            target=target.pk,
            current_fen=moved.get((source.current_id, target.current_id), 0),
            carried_fen=moved.get((source.carried_id, target.carried_id), 0),
            contributions=moved_contributions[source.pk],
            source_status=source.status,
            source_status_reason=source.status_reason,
        )
        for source, target, _merge in pairs
    ]


def _retiree_credits_claim(pairs) -> None:
    """A retiree's monthly credit is keyed per account and period (`credit:<account>:<period>`,
    credits.py). A period the source was credited for is claimed for the target: a posting
    under the target's key for that period, so the monthly credit never pays the period into
    the merged account a second time. The claim moves nobody's money: the region fund pays
    its clearing account and is paid back at once. A period the target already had is left.
    """
    from .credits import RETIREE  # credits imports this module

    regions = Region.objects.in_bulk({source.region_id for source, _target, _merge in pairs})
    accounts_of = {
        code: (
            region_account(region=region).pk,
            region_account(region=region, code=CLAIM_CODE).pk,
        )
        for code, region in regions.items()
    }
    pair, params = json_rows(
        "pair",
        {"source_id": "bigint", "target_id": "bigint", "fund_id": "bigint", "clear_id": "bigint"},
        [
            {
                "source_id": source.pk,
                "target_id": target.pk,
                "fund_id": accounts_of[source.region_id][0],
                "clear_id": accounts_of[source.region_id][1],
            }
            for source, target, _merge in pairs
        ],
    )
    claimed = postings_post_query(
        ctes=pair,
        query="""SELECT pair.fund_id AS from_account_id, pair.clear_id AS to_account_id,
                        credit.amount_fen AS amount_fen, %s AS kind, ap.period AS period,
                        'personal_account:' || pair.target_id AS reference,
                        'credit:' || pair.target_id || ':' || ap.period AS idempotency_key
                 FROM pair
                 JOIN accounts_personalaccount pa ON pa.id = pair.source_id
                 JOIN accounts_insuredperson p ON p.id = pa.person_id AND p.retired
                 JOIN accounts_accountingperiod ap ON ap.region_id = pa.region_id
                 JOIN accounts_posting credit
                   ON credit.idempotency_key = 'credit:' || pair.source_id || ':' || ap.period
                  AND credit.kind IN (%s, %s)""",
        params=[*params, CLAIM_KIND, RETIREE, CLAIM_KIND],
        rows=True,
    ).rows
    postings_post_rows(
        moves=[
            Move(
                from_id=clear_id,
                to_id=fund_id,
                amount_fen=amount,
                kind=CLAIM_KIND,
                idempotency_key=f"{key}:claim-return",
                period=key.rsplit(":", 1)[1],
                reference=key,
            )
            for _pk, fund_id, clear_id, amount, _kind, key in claimed
        ]
    )


def _close_sources(cursor, closing: list[tuple[_Account, str]], *, now) -> None:
    """Close the merged-away accounts, each with its audit row (the system merges: no actor)."""
    closed, params = json_rows(
        "closed",
        {"id": "bigint", "reason": "text"},
        [{"id": account.pk, "reason": reason} for account, reason in closing],
    )
    cursor.execute(
        f"""WITH {closed}
            UPDATE accounts_personalaccount
            SET status = %s, status_reason = closed.reason, updated_at = %s
            FROM closed WHERE accounts_personalaccount.id = closed.id""",
        [*params, Status.CLOSED, now],
    )
    audit_events_record(
        rows=(
            audit_event_build(
                actor=None,
                action="personal_account.merge_close",
                obj=PersonalAccount(pk=account.pk),
                before={"status": account.status, "status_reason": account.status_reason},
                after={"status": Status.CLOSED, "status_reason": reason},
                reason=reason,
            )
            for account, reason in closing
        )
    )


def personal_account_merge(
    *, source: PersonalAccount, target: PersonalAccount, reason: str, key: str = ""
) -> PersonalAccount:
    """Two records of one person in one region become one (see personal_accounts_merge_many).

    `key` names this merge (e.g. its case); without it the source's id does, once.
    """
    personal_accounts_merge_many(
        merges=[
            AccountMerge(
                source_id=source.pk, target_id=target.pk, key=key or str(source.pk), reason=reason
            )
        ]
    )
    return target


@transaction.atomic
def personal_account_unmerge(
    *, merges: Sequence[AccountMergeDetail], key: str, reference: str = ""
) -> None:
    """Undo merges exactly, latest first: the money moved goes back to each source through
    new postings (keys from `key`), its contributions go back, it gets its status again; a
    target the merge opened is closed again.

    Refused when the merged account no longer holds that money (spent, sent or carried over),
    when a target to close has received anything since, or while the region's accounting
    period is under assessment (核定).
    """
    if not merges:
        return
    accounts = PersonalAccount.objects.in_bulk(
        {m.source for m in merges} | {m.target for m in merges}
    )
    for region_code in sorted({accounts[m.source].region_id for m in merges}):
        accounting_period_require_open(region_code=region_code)
    locked = ledger_accounts_lock(
        [i for a in accounts.values() for i in (a.current_id, a.carried_id)]
    )
    for merge in reversed(merges):
        source, target = accounts[merge.source], accounts[merge.target]
        for from_id, to_id, amount in (
            (target.current_id, source.current_id, merge.current_fen),
            (target.carried_id, source.carried_id, merge.carried_fen),
        ):
            if not amount:
                continue
            try:
                posting_create(
                    from_account=locked[from_id],
                    to_account=locked[to_id],
                    amount_fen=amount,
                    kind=UNMERGE_KIND,
                    idempotency_key=f"unmerge:{key}:{source.pk}:{locked[to_id].kind}",
                    reference=reference,
                )
            except InsufficientBalance:
                raise BusinessRuleViolation(
                    _(
                        "合并后的个人账户余额已变动（已支付、转出或结转），"
                        "无法按原样退回被合并账户，不能撤销。"
                    )
                ) from None
        Contribution.objects.filter(pk__in=merge.contributions, account=target).update(
            account=source
        )
        before = {"status": source.status, "status_reason": source.status_reason}
        source.status, source.status_reason = merge.source_status, merge.source_status_reason
        source.save(update_fields=["status", "status_reason", "updated_at"])
        audit_event_record(
            actor=None,
            action="personal_account.unmerge",
            obj=source,
            before=before,
            after={"status": source.status, "status_reason": source.status_reason},
            reason=reference,
        )
    _opened_targets_close(
        targets=[accounts[pk] for pk in sorted({m.target for m in merges if m.target_opened})],
        reason=reference,
    )


def _opened_targets_close(*, targets: list[PersonalAccount], reason: str) -> None:
    """Close the accounts a merge opened, once the undo left them as they were opened: empty
    and without contributions."""
    for target in targets:
        if target.status == Status.CLOSED:
            continue
        used = (
            LedgerAccount.objects.filter(
                pk__in=[target.current_id, target.carried_id], balance_fen__gt=0
            ).exists()
            or Contribution.objects.filter(account=target).exists()
        )
        if used:
            raise BusinessRuleViolation(
                _("为合并开立的个人账户 %(account)s 此后已有入账或缴费记录，不能撤销。")
                % {"account": target.record_id or target.pk}
            )
        before = {"status": target.status, "status_reason": target.status_reason}
        target.status, target.status_reason = Status.CLOSED, UNMERGE_CLOSE_REASON
        target.save(update_fields=["status", "status_reason", "updated_at"])
        audit_event_record(
            actor=None,
            action="personal_account.unmerge_close",
            obj=target,
            before=before,
            after={"status": target.status, "status_reason": target.status_reason},
            reason=reason,
        )
