"""Benchmark: completed wallet transfers per second (sent and accepted) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/wallet_transfers.py [--pairs 10000] [--workers 8]

It creates (and at the end drops) its own database `yibao_bench_wallet` on that server with
N family pairs in 太原: a flexible-employment sender with a funded personal account and a
resident-insurance family member, both wallets open, the binding confirmed; the region's
limits are raised so that the benchmark measures the machinery, not the policy.
It measures, with the same number of concurrent worker processes:
  - the floor: a bare SQL transaction (psycopg, no ORM) that updates two balance rows and
    inserts one posting, once per pair;
  - the wallet: each pair's whole transfer through the service layer — request (one-time code
    through the pluggable sender), confirm (personal account → holding) and accept (holding →
    wallet), three transactions with every rule and lock;
  - for comparison, the same rows in bare SQL: each pair's transfer row, its audit rows, the
    day's usage and both postings with their balances, in the same three transactions
    (after the wallet run, so the senders' holding accounts exist);
and prints transfers/second, the floor and the ratio (target: at least 25% of the floor), then
checks every transfer was accepted and `verify_ledger` holds.
"""

import argparse
import multiprocessing
import sys
import time

import psycopg
import support

BENCH_DB = "yibao_bench_wallet"
REGION = "140100"
AMOUNT_FEN = 10_000  # 100.00 yuan a transfer
SEED_FEN = 100_000  # 1,000.00 yuan in each sender's account

_codes: dict[str, str] = {}


class MemorySender:
    """The pluggable code sender for the benchmark: keeps each code in this worker's memory."""

    def send(self, *, person, phone, body, reference) -> None:
        _codes[reference] = body.split("验证码 ")[1][:6]


def setup_django(url: str) -> None:
    support.setup_django(url, BENCH_DB)
    from django.conf import settings

    settings.WALLET_CODE_SENDER = "__main__.MemorySender"


def build_families(pairs: int) -> list[tuple]:
    """Senders and members with enrollments, funded accounts, open wallets and bindings.

    Bulk inserts through the models (so other apps' columns keep their defaults) and
    set-based balance updates; returns (sender id, member national ID, sender current-year
    ledger account, member wallet ledger account) per pair.
    """
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from accounts.models import InsuredPerson, LedgerAccount, Posting, Region
    from accounts.services import ledger
    from accounts.services.personal_accounts import personal_accounts_open_many
    from enrollment.models import Enrollment, Scheme
    from wallet.models import FamilyBinding, UsageRegionChange, Wallet

    region = Region.objects.get(pk=REGION)
    now = timezone.now()
    persons = InsuredPerson.objects.bulk_create(
        [
            InsuredPerson(
                national_id=f"1401051980{n:08d}",
                name=f"钱包{n}",
                phone="13800000000",
                birth_date=dt.date(1980, 1, 1),
            )
            for n in range(2 * pairs)
        ],
        batch_size=5000,
    )
    senders, members = persons[:pairs], persons[pairs:]
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                person=person,
                region=region,
                scheme=Scheme.FLEXIBLE if i < pairs else Scheme.RESIDENT,
                registered_at=now - dt.timedelta(days=400),
                last_paid_at=now - dt.timedelta(days=20),
            )
            for i, person in enumerate(persons)
        ],
        batch_size=5000,
    )
    accounts = personal_accounts_open_many(records=[(p, region, "") for p in senders])
    fund = ledger.region_account(region=region)
    Posting.objects.bulk_create(
        [
            Posting(
                from_account=fund,
                to_account_id=account.current_id,
                amount_fen=SEED_FEN,
                kind="CREDIT",
                period="202501",
                reference="bench",
                idempotency_key=f"bench-seed:{account.pk}",
            )
            for account in accounts
        ],
        batch_size=5000,
    )
    LedgerAccount.objects.filter(pk__in=[a.current_id for a in accounts]).update(
        balance_fen=SEED_FEN
    )
    LedgerAccount.objects.filter(pk=fund.pk).update(balance_fen=-SEED_FEN * pairs)
    wallet_accounts = LedgerAccount.objects.bulk_create(
        [LedgerAccount(kind=LedgerAccount.Kind.WALLET, person=p) for p in persons],
        batch_size=5000,
    )
    wallets = Wallet.objects.bulk_create(
        [
            Wallet(
                person=person,
                account=account,
                insured_region=region,
                usage_region=region,
                phone=person.phone,
                opened_by=person,
                consent_at=now,
            )
            for person, account in zip(persons, wallet_accounts, strict=True)
        ],
        batch_size=5000,
    )
    UsageRegionChange.objects.bulk_create(
        [UsageRegionChange(wallet=w, to_region=region, changed_by_id=w.person_id) for w in wallets],
        batch_size=5000,
    )
    FamilyBinding.objects.bulk_create(
        [
            FamilyBinding(
                requester=sender,
                member=member,
                relation="SPOUSE",
                status=FamilyBinding.Status.CONFIRMED,
                requester_region=region,
                member_region=region,
                confirmed_by=member,
                confirmed_at=now,
            )
            for sender, member in zip(senders, members, strict=True)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE accounts_regionpolicy
               SET wallet_max_transfers_per_day = 1000, wallet_max_transfer_amount = 100000,
                   wallet_max_daily_amount = 100000000,
                   wallet_quiet_start = '00:00', wallet_quiet_end = '00:00'
               WHERE region_id = %s""",
            [REGION],
        )
    return [
        (sender.pk, member.national_id, account.current_id, wallet.account_id)
        for sender, member, account, wallet in zip(
            senders, members, accounts, wallets[pairs:], strict=True
        )
    ]


# --- the two workloads, each run by `workers` processes on their share of the pairs ---------


def floor_worker(args) -> int:
    dsn, rows = args
    done = 0
    with psycopg.connect(dsn) as conn:
        for _sender, _national_id, source, target in rows:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(
                    "UPDATE accounts_ledgeraccount SET balance_fen = balance_fen - 1 WHERE id = %s",
                    [source],
                )
                cursor.execute(
                    "UPDATE accounts_ledgeraccount SET balance_fen = balance_fen + 1 WHERE id = %s",
                    [target],
                )
                cursor.execute(
                    """INSERT INTO accounts_posting
                           (from_account_id, to_account_id, amount_fen, kind, period, reference,
                            idempotency_key, created_at)
                       VALUES (%s, %s, 1, 'FLOOR', '', '', %s, now())""",
                    [source, target, f"floor:{source}"],
                )
            done += 1
    return done


_SAME_WRITES = {
    "create": """INSERT INTO wallet_wallettransfer
        (sender_id, recipient_id, binding_id, source_id, region_id, amount_fen, status,
         idempotency_key, code_digest, code_expires_at, code_failures, created_at, finish_reason)
        VALUES (%s, %s, %s, %s, %s, 1, 'AWAITING_CODE', %s, 'x', now() + interval '5 min', 0,
                now(), '')
        RETURNING id""",
    "event": """INSERT INTO accounts_auditevent
        (actor_id, action, object_type, object_id, "before", "after", reason, created_at)
        VALUES ((SELECT u.user_id FROM accounts_insuredperson u WHERE u.id = %s), %s,
                'wallet.wallettransfer', %s, '{}', '{}', '', now())""",
    "usage": """INSERT INTO wallet_walletdailyusage (sender_id, day, transfers, max_transfers,
                                                   amount_fen, max_amount_fen)
        VALUES (%s, current_date, 1, 1000, 1, 10000000000)
        ON CONFLICT (sender_id, day) DO UPDATE
        SET transfers = wallet_walletdailyusage.transfers + 1,
            amount_fen = wallet_walletdailyusage.amount_fen + 1,
            max_amount_fen = excluded.max_amount_fen""",
    "status": "UPDATE wallet_wallettransfer SET status = %s, holding_id = %s WHERE id = %s",
    "lock": "SELECT id FROM accounts_ledgeraccount WHERE id IN (%s, %s) ORDER BY id FOR UPDATE",
    "debit": "UPDATE accounts_ledgeraccount SET balance_fen = balance_fen - 1 WHERE id = %s",
    "credit": "UPDATE accounts_ledgeraccount SET balance_fen = balance_fen + 1 WHERE id = %s",
    "posting": """INSERT INTO accounts_posting
        (from_account_id, to_account_id, amount_fen, kind, period, reference, idempotency_key,
         created_at)
        VALUES (%s, %s, 1, 'SAME_WRITES', '', '', %s, now())""",
}


def _move(cursor, source: int, target: int, key: str) -> None:
    cursor.execute(_SAME_WRITES["lock"], [source, target])
    cursor.execute(_SAME_WRITES["debit"], [source])
    cursor.execute(_SAME_WRITES["credit"], [target])
    cursor.execute(_SAME_WRITES["posting"], [source, target, key])


def same_writes_worker(args) -> int:
    """A whole transfer's rows in bare SQL, three transactions: the transfer and its audit
    rows, the day's usage, two postings with their balances and row locks."""
    dsn, rows = args
    done = 0
    with psycopg.connect(dsn) as conn:
        for sender, member, binding, source, current, holding, wallet in rows:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(
                    _SAME_WRITES["create"], [sender, member, binding, source, REGION, "same"]
                )
                transfer = cursor.fetchone()[0]
                cursor.execute(_SAME_WRITES["event"], [sender, "transfer_created", transfer])
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM wallet_wallettransfer WHERE id = %s FOR UPDATE", [transfer]
                )
                cursor.execute(_SAME_WRITES["usage"], [sender])
                cursor.execute(_SAME_WRITES["status"], ["SENT", holding, transfer])
                cursor.execute(_SAME_WRITES["event"], [sender, "transfer_sent", transfer])
                _move(cursor, current, holding, f"same:{transfer}:send")
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(_SAME_WRITES["status"], ["ACCEPTED", holding, transfer])
                cursor.execute(_SAME_WRITES["event"], [member, "transfer_accepted", transfer])
                _move(cursor, holding, wallet, f"same:{transfer}:accept")
            done += 1
    return done


def same_writes_rows(pair_count: int) -> list[tuple]:
    """Per pair, the ids the bare-SQL transfer writes to (holding accounts exist by now)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT b.requester_id, b.member_id, b.id, pa.id, pa.current_id, h.id, w.account_id
               FROM wallet_familybinding b
               JOIN accounts_personalaccount pa ON pa.person_id = b.requester_id
               JOIN accounts_ledgeraccount h
                 ON h.person_id = b.requester_id AND h.kind = 'WALLET_HOLDING'
               JOIN wallet_wallet w ON w.person_id = b.member_id
               ORDER BY b.id LIMIT %s""",
            [pair_count],
        )
        return cursor.fetchall()


def wallet_worker(rows) -> int:
    from django.db import connection

    from accounts.models import InsuredPerson
    from wallet.services import transfers

    done = 0
    for sender_id, national_id, _source, _target in rows:
        sender = InsuredPerson(pk=sender_id)
        transfer = transfers.wallet_transfer_create(
            sender=sender,
            to_national_id=national_id,
            amount="100.00",
            idempotency_key=f"bench:{sender_id}",
        )
        transfers.wallet_transfer_confirm(
            transfer_id=transfer.pk, sender=sender, code=_codes.pop(transfer.reference)
        )
        transfers.wallet_transfer_accept(
            transfer_id=transfer.pk, recipient=InsuredPerson(pk=transfer.recipient_id)
        )
        done += 1
    connection.close()
    return done


def count_statements(row) -> dict[str, int]:
    """SQL statements one whole transfer sends (this pair is not timed), and the ledger's share."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        wallet_worker([row])
    sql = [q["sql"] for q in context.captured_queries]
    ledger = sum(
        1
        for q in sql
        if "accounts_ledgeraccount" in q
        or "accounts_posting" in q
        or "accounts_personalaccount" in q
        or q.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    )
    return {"total": len(sql), "ledger": ledger}


def run_parallel(workers: int, fn, shares) -> tuple[float, int]:
    from django.db import connections

    connections.close_all()  # children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        start = time.perf_counter()
        done = sum(pool.map(fn, shares))
        seconds = time.perf_counter() - start
    return seconds, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    url = support.server_url()
    support.recreate_database(url, BENCH_DB)
    setup_django(url)

    from django.core.management import call_command
    from django.db import connection, transaction

    from wallet.models import WalletTransfer

    print(
        f"wallet transfer benchmark: {args.pairs:,} family pairs in {REGION}, "
        f"{args.workers} concurrent workers"
    )
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with transaction.atomic():
        rows = build_families(args.pairs)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"build families: {time.perf_counter() - started:.1f} s")

    statements = count_statements(rows[0])
    rows = rows[1:]
    shares = [rows[w :: args.workers] for w in range(args.workers)]
    dsn = support.with_database(url, BENCH_DB)
    floor_seconds, floor_done = run_parallel(
        args.workers, floor_worker, [(dsn, share) for share in shares]
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    wallet_seconds, wallet_done = run_parallel(args.workers, wallet_worker, shares)

    accepted = WalletTransfer.objects.filter(status=WalletTransfer.Status.ACCEPTED).count()
    same_rows = same_writes_rows(len(rows))
    same_seconds, same_done = run_parallel(
        args.workers,
        same_writes_worker,
        [(dsn, same_rows[w :: args.workers]) for w in range(args.workers)],
    )
    call_command("verify_ledger")
    floor_rate = floor_done / floor_seconds
    wallet_rate = wallet_done / wallet_seconds
    same_rate = same_done / same_seconds
    print()
    print(f"floor (bare SQL tx):  {floor_done:,} in {floor_seconds:.2f} s = {floor_rate:,.0f} tx/s")
    print(
        f"wallet transfers:     {wallet_done:,} sent and accepted in {wallet_seconds:.2f} s "
        f"= {wallet_rate:,.0f} transfers/s"
    )
    print(f"ratio to floor:       {wallet_rate / floor_rate:.1%}   (target >= 25%)")
    print(
        f"same rows, bare SQL:  {same_done:,} in {same_seconds:.2f} s = {same_rate:,.0f} "
        f"transfers/s ({same_rate / floor_rate:.1%} of the floor; the wallet does "
        f"{wallet_rate / same_rate:.1%} of it)"
    )
    print(
        f"statements/transfer:  {statements['total']} (three transactions; "
        f"{statements['ledger']} go to the accounts tables or are savepoints)"
    )
    if accepted != args.pairs or wallet_done != args.pairs - 1:
        sys.exit(f"expected {args.pairs} accepted transfers, found {accepted}")
    if not args.keep:
        support.drop_database(url, BENCH_DB)


if __name__ == "__main__":
    main()
