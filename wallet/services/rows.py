"""The transfer paths' statements: few round trips, each value a query parameter.

Every transfer step runs through here in a handful of statements; the rules stay in
`transfers/`. A state change and its audit row (the core's AuditEvent) are one statement on
PostgreSQL.
"""

import datetime as dt
import json
from decimal import Decimal

from django.db import connection, transaction

from accounts.models import RegionPolicy
from accounts.sql import aware
from enrollment.selectors import insured_region_sql, suspended_in_region_sql

from ..models import WalletTransfer
from .common import event_who

# The policy fields the wallet reads, loaded with the row that needs them (no second query).
POLICY_FIELDS = (
    "spend_current_year_first",
    "wallet_max_transfers_per_day",
    "wallet_max_transfer_amount",
    "wallet_max_daily_amount",
    "wallet_quiet_start",
    "wallet_quiet_end",
    "wallet_accept_deadline",
    "wallet_code_attempts",
    "wallet_code_ttl_minutes",
    "wallet_code_failures_per_day",
    "wallet_codes_per_day",
    "wallet_phone_change_block_hours",
)
POLICY_COLUMNS = ", ".join(
    f"p.{column} AS policy_{name}"
    for column, name in (("region_id", "found"),) + tuple((name, name) for name in POLICY_FIELDS)
)
FOR_UPDATE = "FOR UPDATE OF t"

_EVENT_COLUMNS = 'actor_id, action, object_type, object_id, "before", "after", reason, created_at'
_TRANSFER_TYPE = WalletTransfer._meta.label_lower


def _event_values(*, object_id: str) -> str:
    """An audit row's values after its `actor_id`: the acting person's login user is read in
    the same statement; JSON parameters cast on PostgreSQL (text on SQLite)."""
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    return (
        "(SELECT u.user_id FROM accounts_insuredperson u WHERE u.id = %s), %s, %s, "  # noqa: S608 — constant SQL, placeholders only
        f"{object_id}, %s{cast}, %s{cast}, %s, %s"
    )


def _event_params(
    *, actor_id, action: str, before: str, after: str, label: str, reason: str, now
) -> tuple[list, list]:
    """The audit row's parameters before and after its object id."""
    before_json = json.dumps({"status": before} if before else {})
    after_json = json.dumps(event_who({"status": after}, person_id=actor_id, label=label))
    return [actor_id, action, _TRANSFER_TYPE], [before_json, after_json, reason[:500], at(now)]


def fetch(sql: str, params) -> dict | None:
    """The first row as a dict by column name (SQLite has no FOR UPDATE: it locks the file)."""
    if not connection.features.has_select_for_update:
        sql = sql.replace(FOR_UPDATE, "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _row(cursor)


def _row(cursor) -> dict | None:
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cursor.description], row, strict=True))


def at(value: dt.datetime):
    """A datetime as a raw query parameter, stored as the ORM stores it."""
    return connection.ops.adapt_datetimefield_value(value)


def policy(row: dict, region_id: str) -> RegionPolicy:
    """The region's policy from `policy_*` columns; the national defaults when it has none."""
    values = {}
    for name in POLICY_FIELDS:
        field = RegionPolicy._meta.get_field(name)
        value = row[f"policy_{name}"] if row["policy_found"] is not None else field.get_default()
        value = field.to_python(value)
        if isinstance(value, Decimal):  # SQLite answers 2000 for 2000.00
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        values[name] = value
    return RegionPolicy(region_id=region_id, **values)


def changed_with_event(
    sql: str,
    params: list,
    *,
    action: str,
    actor_id: int | None,
    now: dt.datetime,
    before: str = "",
    after: str = "",
    actor_label: str = "",
    detail: str = "",
) -> dict | None:
    """Run one INSERT or UPDATE of a transfer `… RETURNING id, …` and, when it returns the
    row, record its audit event (AuditEvent) in the same statement; the row by column, or
    None."""
    event, event_rest = _event_params(
        actor_id=actor_id,
        action=action,
        before=before,
        after=after,
        label=actor_label,
        reason=detail,
        now=now,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH t AS ({sql}), e AS (INSERT INTO accounts_auditevent ({_EVENT_COLUMNS}) "  # noqa: S608 — constant SQL, placeholders only
                f"SELECT {_event_values(object_id='t.id')} FROM t) SELECT * FROM t",
                [*params, *event, *event_rest],
            )
            return _row(cursor)
        with transaction.atomic(savepoint=False):
            cursor.execute(sql, params)
            row = _row(cursor)
            if row is not None:
                cursor.execute(
                    f"INSERT INTO accounts_auditevent ({_EVENT_COLUMNS}) "  # noqa: S608 — constant SQL, placeholders only
                    f"SELECT {_event_values(object_id='%s')}",
                    [*event, row["id"], *event_rest],
                )
            return row


# --- what each step reads ---------------------------------------------------------------------

# Everything a new transfer is checked against, in one read (the confirmation checks the
# limits again under its locks); where each side is insured comes from enrollment's door.
_REQUESTER_INSURED_IN, _INSURED_IN_PARAMS = insured_region_sql(person="b.requester_id")
_MEMBER_INSURED_IN, _ = insured_region_sql(person="b.member_id")
# Whether the sender is suspended where the money would leave from (enrollment's door too).
_SENDER_SUSPENDED, SUSPENDED_PARAMS = suspended_in_region_sql(
    person="%(sender)s", region="sw.insured_region_id", account_only=True
)
NEW_TRANSFER = f"""
SELECT r.id AS recipient_id, r.name AS recipient_name,
       rw.status AS recipient_wallet, rr.wallet_enabled AS recipient_enabled,
       rr.name AS recipient_region,
       sw.status AS sender_wallet, sw.insured_region_id AS sender_region_id,
       sr.wallet_enabled AS sender_enabled, sr.name AS sender_region,
       b.id AS binding_id, b.status AS binding_status, b.requester_id, b.member_id,
       b.requester_region_id, b.member_region_id,
       ({_REQUESTER_INSURED_IN}) AS requester_insured_in,
       ({_MEMBER_INSURED_IN}) AS member_insured_in,
       ({_SENDER_SUSPENDED}) AS sender_suspended,
       pa.id AS source_id, pa.status AS source_status, pa.region_id AS source_region_id,
       cur.balance_fen AS current_fen, car.balance_fen AS carried_fen,
       (SELECT w.id FROM wallet_wallettransfer w
        WHERE w.sender_id = %(sender)s AND w.status = 'SENT' LIMIT 1) AS waiting_id,
       (SELECT w.id FROM wallet_wallettransfer w
        WHERE w.sender_id = %(sender)s AND w.status = 'AWAITING_CODE' LIMIT 1) AS awaiting_code_id,
       s.phone_changed_at AS sender_phone_changed_at, s.birth_date AS sender_birth_date,
       s.national_id AS sender_national_id,
       u.transfers AS used_today, u.amount_fen AS amount_today, u.codes_sent AS codes_today,
       u.code_failures AS failures_today,
       ex.id AS existing_id,
       {POLICY_COLUMNS}
FROM accounts_insuredperson r
LEFT JOIN accounts_insuredperson s ON s.id = %(sender)s
LEFT JOIN wallet_wallet rw ON rw.person_id = r.id
LEFT JOIN accounts_region rr ON rr.code = rw.insured_region_id
LEFT JOIN wallet_wallet sw ON sw.person_id = %(sender)s
LEFT JOIN accounts_region sr ON sr.code = sw.insured_region_id
LEFT JOIN accounts_regionpolicy p ON p.region_id = sw.insured_region_id
LEFT JOIN wallet_familybinding b ON b.status = 'CONFIRMED' AND (
    (b.requester_id = %(sender)s AND b.member_id = r.id)
    OR (b.requester_id = r.id AND b.member_id = %(sender)s))
LEFT JOIN accounts_personalaccount pa ON pa.id = (
    SELECT MIN(a.id) FROM accounts_personalaccount a
    WHERE a.person_id = %(sender)s AND a.region_id = sw.insured_region_id
      AND a.status <> 'CLOSED')
LEFT JOIN accounts_ledgeraccount cur ON cur.id = pa.current_id
LEFT JOIN accounts_ledgeraccount car ON car.id = pa.carried_id
LEFT JOIN wallet_walletdailyusage u ON u.sender_id = %(sender)s AND u.day = %(day)s
LEFT JOIN wallet_wallettransfer ex
    ON ex.sender_id = %(sender)s AND ex.idempotency_key = %(key)s
WHERE r.national_id = %(national_id)s
"""  # noqa: S608 — constant SQL, placeholders only


def new_transfer_facts(*, sender_id: int, national_id: str, key: str, day: dt.date) -> dict | None:
    """`NEW_TRANSFER` for this sender, recipient and idempotency key on the day."""
    return fetch(
        NEW_TRANSFER,
        {
            "sender": sender_id,
            "national_id": national_id,
            "key": key,
            "day": day,
            **_INSURED_IN_PARAMS,
            **SUSPENDED_PARAMS,
        },
    )


# The code a new transfer sends, counted on the sender's daily-usage row; a count above the
# day's limit breaks the row's CHECK, which refuses the whole statement (the transfer too).
_CODE_SENT_COUNT = """
INSERT INTO wallet_walletdailyusage (sender_id, day, transfers, max_transfers, amount_fen,
    codes_sent, max_codes_sent, code_failures, max_code_failures)
{values}
ON CONFLICT (sender_id, day) DO UPDATE
SET codes_sent = wallet_walletdailyusage.codes_sent + 1,
    max_codes_sent = excluded.max_codes_sent"""
CODE_SENT_COUNT = _CODE_SENT_COUNT.format(values="VALUES (%s, %s, 0, %s, 0, 1, %s, 0, %s)")
# PostgreSQL: counted only when the transfer was inserted (`t`), in the same statement.
_CODE_SENT_COUNT_AFTER_INSERT = _CODE_SENT_COUNT.format(
    values="SELECT %s, %s, 0, %s, 0, 1, %s, 0, %s FROM t"
)

# A wrong code, counted the same way against the day's limit over all the sender's transfers.
CODE_FAILURE_COUNT = """
INSERT INTO wallet_walletdailyusage (sender_id, day, transfers, max_transfers, amount_fen,
    codes_sent, max_codes_sent, code_failures, max_code_failures)
VALUES (%s, %s, 0, %s, 0, 0, %s, 1, %s)
ON CONFLICT (sender_id, day) DO UPDATE
SET code_failures = wallet_walletdailyusage.code_failures + 1,
    max_code_failures = excluded.max_code_failures
WHERE wallet_walletdailyusage.code_failures < excluded.max_code_failures
RETURNING code_failures"""

# Any unique conflict inserts nothing: the same idempotency key, or another request of the
# sender still waiting for its code (wallet_transfer_one_awaiting_code).
TRANSFER_INSERT = """
INSERT INTO wallet_wallettransfer
    (sender_id, recipient_id, binding_id, source_id, region_id, amount_fen, status,
     idempotency_key, code_digest, code_expires_at, code_failures, created_at, finish_reason)
VALUES (%s, %s, %s, %s, %s, %s, 'AWAITING_CODE', %s, %s, %s, 0, %s, '')
ON CONFLICT DO NOTHING
RETURNING id"""


def transfer_insert(values: list, *, usage: list, actor_id: int, now: dt.datetime) -> int | None:
    """Insert the transfer with its audit row and count its code on the sender's day
    (`usage`: sender, day, max transfers, max codes, max wrong codes); the new id, or None on a
    unique conflict (nothing counted). IntegrityError, with nothing written, when the day's
    codes are used up. Transfers before the usage row, as every path locks them; on
    PostgreSQL one statement, atomic by itself."""
    event, event_rest = _event_params(
        actor_id=actor_id,
        action="transfer_create",
        before="",
        after=WalletTransfer.Status.AWAITING_CODE,
        label="",
        reason="",
        now=now,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH t AS ({TRANSFER_INSERT}), u AS ({_CODE_SENT_COUNT_AFTER_INSERT}), "  # noqa: S608 — constant SQL, placeholders only
                f"e AS (INSERT INTO accounts_auditevent ({_EVENT_COLUMNS}) "
                f"SELECT {_event_values(object_id='t.id')} FROM t) "
                "SELECT id FROM t",
                [*values, *usage, *event, *event_rest],
            )
            row = _row(cursor)
            return row and row["id"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(TRANSFER_INSERT, values)
        row = _row(cursor)
        if row is None:
            return None
        cursor.execute(
            f"INSERT INTO accounts_auditevent ({_EVENT_COLUMNS}) "  # noqa: S608 — constant SQL, placeholders only
            f"SELECT {_event_values(object_id='%s')}",
            [*event, row["id"], *event_rest],
        )
        cursor.execute(CODE_SENT_COUNT, usage)
        return row["id"]


# The transfer, locked first (the order every path uses), with what its confirmation needs.
_CONFIRMING_SENDER_SUSPENDED, _ = suspended_in_region_sql(
    person="t.sender_id", region="t.region_id", account_only=True
)
TRANSFER_TO_CONFIRM = f"""
SELECT t.*, rg.wallet_enabled AS region_enabled, rg.name AS region_name,
       pa.status AS source_status, pa.current_id, pa.carried_id, h.id AS holding_account_id,
       (SELECT w.id FROM wallet_wallettransfer w
        WHERE w.sender_id = t.sender_id AND w.status = 'SENT' LIMIT 1) AS waiting_id,
       u.transfers AS used_today, u.amount_fen AS amount_today,
       u.code_failures AS failures_today, ({_CONFIRMING_SENDER_SUSPENDED}) AS sender_suspended,
       s.phone_changed_at AS sender_phone_changed_at,
       {POLICY_COLUMNS}
FROM wallet_wallettransfer t
JOIN accounts_insuredperson s ON s.id = t.sender_id
JOIN accounts_region rg ON rg.code = t.region_id
LEFT JOIN accounts_regionpolicy p ON p.region_id = t.region_id
JOIN accounts_personalaccount pa ON pa.id = t.source_id
LEFT JOIN accounts_ledgeraccount h ON h.person_id = t.sender_id AND h.kind = 'WALLET_HOLDING'
LEFT JOIN wallet_walletdailyusage u ON u.sender_id = t.sender_id AND u.day = %(day)s
WHERE t.id = %(id)s
{FOR_UPDATE}"""  # noqa: S608 — constant SQL, placeholders only

# The sender's daily-usage row, locked and counted in one statement: no row back means the
# day's count or total is reached, or the day's wrong codes are (the CHECKs refuse a count or
# a total above the limit in any case).
USAGE_COUNT = """
INSERT INTO wallet_walletdailyusage (sender_id, day, transfers, max_transfers, amount_fen,
    max_amount_fen, max_code_failures)
VALUES (%s, %s, 1, %s, %s, %s, %s)
ON CONFLICT (sender_id, day) DO UPDATE
SET transfers = wallet_walletdailyusage.transfers + 1,
    amount_fen = wallet_walletdailyusage.amount_fen + excluded.amount_fen,
    max_transfers = excluded.max_transfers,
    max_amount_fen = excluded.max_amount_fen
WHERE wallet_walletdailyusage.transfers < excluded.max_transfers
  AND wallet_walletdailyusage.amount_fen + excluded.amount_fen <= excluded.max_amount_fen
  AND wallet_walletdailyusage.code_failures < excluded.max_code_failures
RETURNING transfers"""

TRANSFER_SENT = """
UPDATE wallet_wallettransfer
SET status = 'SENT', sent_at = %s, accept_deadline = %s, holding_id = %s
WHERE id = %s AND status = 'AWAITING_CODE'
RETURNING id"""

# Accepting is one guarded state change; no row back means a rule refuses (found apart).
TRANSFER_ACCEPTED = """
UPDATE wallet_wallettransfer
SET status = 'ACCEPTED', finished_at = %s, finish_reason = ''
WHERE id = %s AND recipient_id = %s AND status = 'SENT' AND accept_deadline > %s
  AND EXISTS (SELECT 1 FROM wallet_wallet w
              WHERE w.person_id = wallet_wallettransfer.recipient_id AND w.status = 'OPEN')
RETURNING *,
    (SELECT w.account_id FROM wallet_wallet w
     WHERE w.person_id = wallet_wallettransfer.recipient_id) AS wallet_account_id"""


def transfer_from(row: dict) -> WalletTransfer:
    """A WalletTransfer from a row holding all of its columns."""
    values = {}
    for field in WalletTransfer._meta.concrete_fields:
        value = row[field.column]
        values[field.attname] = (
            aware(value) if field.get_internal_type() == "DateTimeField" else value
        )
    transfer = WalletTransfer(**values)
    transfer._state.adding, transfer._state.db = False, connection.alias
    return transfer
