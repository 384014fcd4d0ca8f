"""Transfers from a personal account to a family member's wallet: states, rules, refusals."""

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.errors import BusinessRuleViolation
from accounts.models import (
    AuditEvent,
    LedgerAccount,
    Notification,
    PersonalAccount,
    Posting,
    RegionPolicy,
)
from accounts.services.personal_accounts import personal_account_freeze
from enrollment.models import Scheme
from tests.wallet.conftest import shanghai
from tests.wallet.factories import (
    WALLET_REGION,
    balance,
    bind,
    family_pair,
    fund,
    insured_person,
    last_code,
    open_wallet,
    region,
    wallet_fen,
)
from wallet.models import WalletDailyUsage, WalletTransfer
from wallet.services import family, transfers

pytestmark = pytest.mark.django_db
Status = WalletTransfer.Status


@pytest.fixture
def pair():
    return family_pair(balance_fen=1_000_000)  # 10,000.00 yuan


@pytest.fixture
def send(on_commit):
    """Create a transfer (the code goes to the outbox on commit) and return it."""

    def create(sender, recipient, amount="100.00", key=None):
        with on_commit():
            return transfers.wallet_transfer_create(
                sender=sender,
                to_national_id=recipient.national_id,
                amount=amount,
                idempotency_key=key or f"key-{WalletTransfer.objects.count()}-{amount}",
            )

    return create


@pytest.fixture
def send_and_confirm(send):
    def run(sender, recipient, amount="100.00", key=None):
        transfer = send(sender, recipient, amount, key)
        return transfers.wallet_transfer_confirm(
            transfer_id=transfer.pk, sender=sender, code=last_code(sender)
        )

    return run


def policy() -> RegionPolicy:
    return RegionPolicy.objects.get(region_id=WALLET_REGION)


def holding(person) -> int:
    account = LedgerAccount.objects.filter(
        person=person, kind=LedgerAccount.Kind.WALLET_HOLDING
    ).first()
    return account.balance_fen if account else 0


def source_of(person) -> PersonalAccount:
    return PersonalAccount.objects.get(person=person)


def refusal(callable_, **kwargs) -> BusinessRuleViolation:
    with pytest.raises(BusinessRuleViolation) as caught:
        callable_(**kwargs)
    return caught.value


# --- the happy path -------------------------------------------------------------------------


def test_a_transfer_moves_money_sender_to_holding_to_recipient_wallet(pair, send):
    """AWAITING_CODE → SENT puts the money in holding; ACCEPTED puts it in the wallet."""
    sender, recipient, _binding = pair
    # given: a transfer waiting for its code; no money has moved yet
    transfer = send(sender, recipient, "123.45")
    assert transfer.status == Status.AWAITING_CODE
    assert balance(source_of(sender)) == 1_000_000
    # when: the sender confirms with the code from the outbox
    transfer = transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=last_code(sender)
    )
    # then: the money left the account into holding
    assert transfer.status == Status.SENT
    assert balance(source_of(sender)) == 1_000_000 - 12_345
    assert holding(sender) == 12_345
    assert transfer.accept_deadline == shanghai(2025, 3, 11, 6, 0)
    # when: the recipient accepts
    transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)
    # then: it is in their wallet, holding is empty, and the ledger still agrees
    assert wallet_fen(recipient) == 12_345
    assert holding(sender) == 0
    call_command("verify_ledger")


def test_the_code_goes_to_the_sender_through_the_outbox_and_is_not_stored_in_clear(pair, send):
    sender, recipient, _binding = pair
    transfer = send(sender, recipient, "50.00")
    message = Notification.objects.get(person=sender)
    code = last_code(sender)
    assert "50.00" in message.text and recipient.name in message.text
    assert code not in transfer.code_digest


def test_every_state_change_leaves_an_audit_row_in_the_core_audit(pair, send_and_confirm):
    """Who (the person's login user, and the person), what, before and after: one audit path."""
    sender, recipient, _binding = pair
    transfer = send_and_confirm(sender, recipient)
    transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)
    events = list(
        AuditEvent.objects.filter(object_type="wallet.wallettransfer", object_id=transfer.pk)
        .order_by("pk")
        .values_list("action", "actor_id", "before", "after")
    )
    assert events == [
        (
            "transfer_create",
            sender.user_id,
            {},
            {"status": "AWAITING_CODE", "actor_person": sender.pk},
        ),
        (
            "transfer_sent",
            sender.user_id,
            {"status": "AWAITING_CODE"},
            {"status": "SENT", "actor_person": sender.pk},
        ),
        (
            "transfer_accepted",
            recipient.user_id,
            {"status": "SENT"},
            {"status": "ACCEPTED", "actor_person": recipient.pk},
        ),
    ]


def test_money_leaves_the_current_year_part_first_then_the_carried_part(pair, send_and_confirm):
    sender, recipient, _binding = pair
    account = source_of(sender)
    # given: 100.00 in the current year; the rest (9,900.00) moved to the carried part
    from accounts.services import ledger

    ledger.posting_create(
        from_account=account.current,
        to_account=account.carried,
        amount_fen=990_000,
        kind="CARRY_OVER",
        idempotency_key="carry",
    )
    # when
    send_and_confirm(sender, recipient, "150.00")
    # then
    account.current.refresh_from_db()
    account.carried.refresh_from_db()
    assert (account.current.balance_fen, account.carried.balance_fen) == (0, 985_000)


# --- idempotency ----------------------------------------------------------------------------


def test_the_same_idempotency_key_answers_the_same_transfer(pair, send):
    sender, recipient, _binding = pair
    first = send(sender, recipient, "10.00", key="abc")
    again = send(sender, recipient, "10.00", key="abc")
    assert again.pk == first.pk
    assert WalletTransfer.objects.count() == 1
    assert Notification.objects.count() == 1  # no second code either


def test_the_same_key_for_a_different_amount_is_a_conflict(pair, send):
    sender, recipient, _binding = pair
    send(sender, recipient, "10.00", key="abc")
    with pytest.raises(BusinessRuleViolation) as caught:
        send(sender, recipient, "20.00", key="abc")
    assert caught.value.status_code == 409


def test_a_key_is_required(pair):
    sender, recipient, _binding = pair
    error = refusal(
        transfers.wallet_transfer_create,
        sender=sender,
        to_national_id=recipient.national_id,
        amount="1.00",
        idempotency_key="",
    )
    assert error.status_code == 400 and error.field == "Idempotency-Key"


def test_a_confirmed_transfer_confirmed_again_posts_once(pair, send):
    sender, recipient, _binding = pair
    transfer = send(sender, recipient, "10.00")
    code = last_code(sender)
    transfers.wallet_transfer_confirm(transfer_id=transfer.pk, sender=sender, code=code)
    again = transfers.wallet_transfer_confirm(transfer_id=transfer.pk, sender=sender, code=code)
    assert again.status == Status.SENT
    assert Posting.objects.filter(kind=transfers.KIND_SEND).count() == 1
    assert WalletDailyUsage.objects.get(sender=sender).transfers == 1


def test_an_accepted_transfer_accepted_again_posts_once(pair, send_and_confirm):
    sender, recipient, _binding = pair
    transfer = send_and_confirm(sender, recipient, "10.00")
    transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)
    transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)
    assert wallet_fen(recipient) == 1_000
    assert Posting.objects.filter(kind=transfers.KIND_ACCEPT).count() == 1


# --- amount ---------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["0", "0.00", "-5.00", "1.001", "abc", "NaN"])
def test_the_amount_must_be_positive_with_at_most_two_decimals(pair, amount):
    sender, recipient, _binding = pair
    error = refusal(
        transfers.wallet_transfer_create,
        sender=sender,
        to_national_id=recipient.national_id,
        amount=amount,
        idempotency_key="k",
    )
    assert error.status_code == 400 and error.field == "amount"


def test_at_most_the_regions_limit_per_transfer_says_the_limit(pair, send):
    """Default 2,000 yuan a transfer: 2,000.00 passes, 2,000.01 is refused naming the limit."""
    sender, recipient, _binding = pair
    assert send(sender, recipient, "2000.00").status == Status.AWAITING_CODE
    with pytest.raises(BusinessRuleViolation) as caught:
        send(sender, recipient, "2000.01")
    assert "2000.00" in caught.value.message and caught.value.field == "amount"


def test_the_limit_per_transfer_is_the_regions_policy(pair, send):
    sender, recipient, _binding = pair
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(wallet_max_transfer_amount=500)
    with pytest.raises(BusinessRuleViolation, match="500"):
        send(sender, recipient, "500.01")


def test_not_more_than_the_balance_says_what_is_available(send):
    sender, recipient, _binding = family_pair(balance_fen=8_000)
    with pytest.raises(BusinessRuleViolation) as caught:
        send(sender, recipient, "80.01")
    assert "80.00" in caught.value.message and caught.value.status_code == 409


# --- who may send to whom -------------------------------------------------------------------


def test_only_to_a_confirmed_family_member(send):
    sender = insured_person()
    fund(sender, 100_000)
    stranger = insured_person()
    open_wallet(sender)
    open_wallet(stranger)
    with pytest.raises(BusinessRuleViolation, match="近亲属"):
        send(sender, stranger)


def test_not_while_the_binding_is_still_pending(send):
    sender, recipient = insured_person(), insured_person()
    fund(sender, 100_000)
    open_wallet(sender)
    open_wallet(recipient)
    family.family_binding_request(
        requester=sender, national_id=recipient.national_id, name=recipient.name, relation="CHILD"
    )
    with pytest.raises(BusinessRuleViolation, match="已确认绑定"):
        send(sender, recipient)


def test_both_wallets_must_be_open(send):
    sender, recipient = insured_person(), insured_person()
    fund(sender, 100_000)
    bind(sender, recipient)
    with pytest.raises(BusinessRuleViolation, match="您尚未开通"):
        send(sender, recipient)
    open_wallet(sender)
    with pytest.raises(BusinessRuleViolation, match="对方尚未开通"):
        send(sender, recipient)


def test_only_where_the_region_has_the_wallet_enabled(pair, send):
    sender, recipient, _binding = pair
    region(WALLET_REGION).__class__.objects.filter(pk=WALLET_REGION).update(wallet_enabled=False)
    with pytest.raises(BusinessRuleViolation, match="尚未开通医保钱包转账功能"):
        send(sender, recipient)


def test_a_frozen_personal_account_cannot_send(pair, send):
    sender, recipient, _binding = pair
    personal_account_freeze(account=source_of(sender), reason="转居民医保")
    with pytest.raises(BusinessRuleViolation, match="封存"):
        send(sender, recipient)


def test_a_frozen_account_cannot_confirm_either(pair, send):
    """Frozen between the request and the code: the money stays."""
    sender, recipient, _binding = pair
    transfer = send(sender, recipient)
    personal_account_freeze(account=source_of(sender), reason="转居民医保")
    with pytest.raises(BusinessRuleViolation, match="封存"):
        transfers.wallet_transfer_confirm(
            transfer_id=transfer.pk, sender=sender, code=last_code(sender)
        )
    assert balance(source_of(sender)) == 1_000_000


def test_a_person_without_a_personal_account_cannot_send(send):
    sender = insured_person(scheme=Scheme.RESIDENT)
    recipient = insured_person()
    open_wallet(sender)
    open_wallet(recipient)
    bind(sender, recipient)
    with pytest.raises(BusinessRuleViolation, match="没有职工医保个人账户"):
        send(sender, recipient)


# --- hours ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"),
    [(21, 59, True), (22, 0, False), (23, 30, False), (0, 0, False), (5, 59, False), (6, 0, True)],
)
def test_no_transfers_between_22_and_6_shanghai_time(pair, send, clock, hour, minute, allowed):
    sender, recipient, _binding = pair
    clock.move_to(shanghai(2025, 3, 11, hour, minute))
    if allowed:
        assert send(sender, recipient).status == Status.AWAITING_CODE
    else:
        with pytest.raises(BusinessRuleViolation) as caught:
            send(sender, recipient)
        assert "22:00" in caught.value.message and "06:00" in caught.value.message


def test_a_code_confirmed_after_22_is_refused_and_nothing_moves(pair, send, clock):
    sender, recipient, _binding = pair
    clock.move_to(shanghai(2025, 3, 10, 21, 58))
    transfer = send(sender, recipient)
    clock.move_to(shanghai(2025, 3, 10, 22, 0, 30))
    with pytest.raises(BusinessRuleViolation, match="暂停转账"):
        transfers.wallet_transfer_confirm(
            transfer_id=transfer.pk, sender=sender, code=last_code(sender)
        )
    assert balance(source_of(sender)) == 1_000_000


def test_quiet_hours_are_the_regions_policy(pair, send, clock):
    sender, recipient, _binding = pair
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(
        wallet_quiet_start=dt.time(12, 0), wallet_quiet_end=dt.time(13, 0)
    )
    clock.move_to(shanghai(2025, 3, 10, 12, 30))
    with pytest.raises(BusinessRuleViolation, match="12:00"):
        send(sender, recipient)
    clock.move_to(shanghai(2025, 3, 10, 23, 0))
    assert send(sender, recipient).status == Status.AWAITING_CODE


# --- per day and one at a time ---------------------------------------------------------------


def test_no_new_transfer_while_one_waits_for_acceptance(pair, send, send_and_confirm):
    sender, recipient, _binding = pair
    waiting = send_and_confirm(sender, recipient, "10.00")
    with pytest.raises(BusinessRuleViolation) as caught:
        send(sender, recipient, "20.00")
    assert str(waiting.pk) in caught.value.message and "等待对方接收" in caught.value.message
    # once accepted, the next may go
    transfers.wallet_transfer_accept(transfer_id=waiting.pk, recipient=recipient)
    assert send(sender, recipient, "20.00").status == Status.AWAITING_CODE


def test_at_most_three_transfers_a_day_says_how_many_are_left(pair, send, send_and_confirm, clock):
    sender, recipient, _binding = pair
    for n in range(3):
        transfer = send_and_confirm(sender, recipient, f"{n + 1}.00")
        transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)
    with pytest.raises(BusinessRuleViolation) as caught:
        send(sender, recipient, "4.00")
    assert "3 次" in caught.value.message and "剩余 0 次" in caught.value.message
    # the next day (after 06:00) the count starts again
    clock.move_to(shanghai(2025, 3, 11, 9, 0))
    assert send(sender, recipient, "4.00").status == Status.AWAITING_CODE


def test_the_daily_count_is_checked_again_when_the_code_is_confirmed(pair, send, send_and_confirm):
    """A transfer asked for at 2 of 3 is refused at its code once the day's third went."""
    sender, recipient, _binding = pair
    for n in range(2):
        transfer = send_and_confirm(sender, recipient, f"{n + 1}.00")
        transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)
    pending = send(sender, recipient, "3.00")
    # given: the day's third transfer was counted meanwhile (as a parallel confirmation does)
    WalletDailyUsage.objects.filter(sender=sender).update(transfers=3)
    with pytest.raises(BusinessRuleViolation, match="剩余 0 次"):
        transfers.wallet_transfer_confirm(
            transfer_id=pending.pk, sender=sender, code=last_code(sender)
        )
    assert WalletDailyUsage.objects.get(sender=sender).transfers == 3
    assert Posting.objects.filter(kind=transfers.KIND_SEND).count() == 2


def test_the_database_refuses_a_daily_count_above_the_limit(pair):
    """The usage row's CHECK holds whatever the application did before."""
    from django.db import IntegrityError, transaction

    sender, _recipient, _binding = pair
    usage = WalletDailyUsage.objects.create(
        sender=sender, day=dt.date(2025, 3, 10), transfers=3, max_transfers=3
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletDailyUsage.objects.filter(pk=usage.pk).update(transfers=4)


def test_the_database_refuses_two_transfers_awaiting_acceptance(pair, send_and_confirm):
    from django.db import IntegrityError, transaction

    sender, recipient, binding = pair
    waiting = send_and_confirm(sender, recipient, "10.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        WalletTransfer.objects.create(
            sender=sender,
            recipient=recipient,
            binding=binding,
            source=waiting.source,
            region_id=WALLET_REGION,
            amount_fen=100,
            status=Status.SENT,
            idempotency_key="other",
            code_digest="x",
            code_expires_at=waiting.code_expires_at,
        )


# --- codes: wrong, expired, cancelled ---------------------------------------------------------


def test_a_wrong_code_says_how_many_tries_are_left(pair, send):
    sender, recipient, _binding = pair
    transfer = send(sender, recipient)
    wrong = "000000" if last_code(sender) != "000000" else "111111"
    error = refusal(
        transfers.wallet_transfer_confirm, transfer_id=transfer.pk, sender=sender, code=wrong
    )
    assert error.status_code == 400 and error.field == "code"
    assert "还可以再试 4 次" in error.message
    transfer.refresh_from_db()
    assert transfer.code_failures == 1 and transfer.status == Status.AWAITING_CODE


def test_the_fifth_wrong_code_cancels_the_transfer_and_the_right_one_no_longer_works(pair, send):
    sender, recipient, _binding = pair
    transfer = send(sender, recipient)
    right = last_code(sender)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        refusal(
            transfers.wallet_transfer_confirm, transfer_id=transfer.pk, sender=sender, code=wrong
        )
    error = refusal(
        transfers.wallet_transfer_confirm, transfer_id=transfer.pk, sender=sender, code=wrong
    )
    assert "已达 5 次" in error.message and "已取消" in error.message
    transfer.refresh_from_db()
    assert transfer.status == Status.CANCELLED
    with pytest.raises(BusinessRuleViolation, match="已取消"):
        transfers.wallet_transfer_confirm(transfer_id=transfer.pk, sender=sender, code=right)
    assert balance(source_of(sender)) == 1_000_000


def test_the_number_of_tries_is_the_regions_policy(pair, send):
    sender, recipient, _binding = pair
    RegionPolicy.objects.filter(region_id=WALLET_REGION).update(wallet_code_attempts=2)
    transfer = send(sender, recipient)
    wrong = "000000" if last_code(sender) != "000000" else "111111"
    refusal(transfers.wallet_transfer_confirm, transfer_id=transfer.pk, sender=sender, code=wrong)
    error = refusal(
        transfers.wallet_transfer_confirm, transfer_id=transfer.pk, sender=sender, code=wrong
    )
    assert "已达 2 次" in error.message


def test_a_code_confirmed_too_late_expires_the_transfer(pair, send, clock):
    sender, recipient, _binding = pair
    transfer = send(sender, recipient)
    clock.shift(dt.timedelta(minutes=10, seconds=1))
    error = refusal(
        transfers.wallet_transfer_confirm,
        transfer_id=transfer.pk,
        sender=sender,
        code=last_code(sender),
    )
    assert "10 分钟" in error.message
    transfer.refresh_from_db()
    assert transfer.status == Status.EXPIRED
    assert balance(source_of(sender)) == 1_000_000


def test_the_expiry_job_expires_every_unconfirmed_transfer_past_its_code(pair, send, clock):
    sender, recipient, _binding = pair
    other_sender, other_recipient, _other = family_pair()
    old = send(sender, recipient, "1.00")
    clock.shift(dt.timedelta(minutes=6))
    fresh = send(other_sender, other_recipient, "2.00")
    clock.shift(dt.timedelta(minutes=5))
    # when
    assert transfers.wallet_transfers_expire_due() == 1
    # then
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (Status.EXPIRED, Status.AWAITING_CODE)


def test_the_sender_can_cancel_before_confirming(pair, send):
    sender, recipient, _binding = pair
    transfer = send(sender, recipient)
    transfers.wallet_transfer_cancel(transfer_id=transfer.pk, sender=sender)
    transfer.refresh_from_db()
    assert transfer.status == Status.CANCELLED


def test_a_sent_transfer_cannot_be_cancelled(pair, send_and_confirm):
    sender, recipient, _binding = pair
    transfer = send_and_confirm(sender, recipient)
    with pytest.raises(BusinessRuleViolation, match="只能取消尚未验证的转账"):
        transfers.wallet_transfer_cancel(transfer_id=transfer.pk, sender=sender)


# --- accepting and the 06:00 return ---------------------------------------------------------


def test_unaccepted_transfers_return_at_6_the_next_day(pair, send_and_confirm, clock):
    sender, recipient, _binding = pair
    transfer = send_and_confirm(sender, recipient, "300.00")
    # at 05:59 nothing is due
    clock.move_to(shanghai(2025, 3, 11, 5, 59))
    assert transfers.wallet_transfers_return_due() == 0
    # at 06:00 the job returns it to the parts it came from
    clock.move_to(shanghai(2025, 3, 11, 6, 0))
    assert transfers.wallet_transfers_return_due() == 1
    transfer.refresh_from_db()
    assert transfer.status == Status.RETURNED
    assert balance(source_of(sender)) == 1_000_000
    assert holding(sender) == 0 and wallet_fen(recipient) == 0
    call_command("verify_ledger")


def test_the_return_job_is_idempotent(pair, send_and_confirm, clock):
    sender, recipient, _binding = pair
    send_and_confirm(sender, recipient, "300.00")
    clock.move_to(shanghai(2025, 3, 11, 6, 0))
    assert transfers.wallet_transfers_return_due() == 1
    assert transfers.wallet_transfers_return_due() == 0
    assert Posting.objects.filter(kind=transfers.KIND_RETURN).count() == 1


def test_a_late_accept_is_refused_and_says_the_money_returns(pair, send_and_confirm, clock):
    sender, recipient, _binding = pair
    transfer = send_and_confirm(sender, recipient, "300.00")
    clock.move_to(shanghai(2025, 3, 11, 6, 0))
    with pytest.raises(BusinessRuleViolation, match="2025-03-11 06:00"):
        transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)
    assert wallet_fen(recipient) == 0


def test_a_returned_transfer_cannot_be_accepted(pair, send_and_confirm, clock):
    sender, recipient, _binding = pair
    transfer = send_and_confirm(sender, recipient, "300.00")
    clock.move_to(shanghai(2025, 3, 11, 6, 0))
    transfers.wallet_transfers_return_due()
    clock.move_to(shanghai(2025, 3, 11, 5, 0))  # even with the clock turned back
    with pytest.raises(BusinessRuleViolation, match="已退回"):
        transfers.wallet_transfer_accept(transfer_id=transfer.pk, recipient=recipient)


def test_the_return_task_runs_the_service(pair, send_and_confirm, clock):
    from wallet import tasks

    sender, recipient, _binding = pair
    send_and_confirm(sender, recipient, "1.00")
    clock.move_to(shanghai(2025, 3, 11, 6, 0))
    assert tasks.return_unaccepted_transfers.delay().get() == 1


# --- nobody acts on another's transfer --------------------------------------------------------


def test_only_the_sender_confirms_and_only_the_recipient_accepts(pair, send, send_and_confirm):
    sender, recipient, _binding = pair
    stranger = insured_person()
    transfer = send(sender, recipient)
    code = last_code(sender)
    # a stranger, or the recipient before it is sent, cannot even see it
    for person in (stranger, recipient):
        error = refusal(
            transfers.wallet_transfer_confirm, transfer_id=transfer.pk, sender=person, code=code
        )
        assert error.status_code == 404
    transfers.wallet_transfer_confirm(transfer_id=transfer.pk, sender=sender, code=code)
    # the sender may not accept their own transfer; a stranger gets 404
    assert (
        refusal(
            transfers.wallet_transfer_accept, transfer_id=transfer.pk, recipient=sender
        ).status_code
        == 403
    )
    assert (
        refusal(
            transfers.wallet_transfer_accept, transfer_id=transfer.pk, recipient=stranger
        ).status_code
        == 404
    )
    assert (
        refusal(
            transfers.wallet_transfer_cancel, transfer_id=transfer.pk, sender=stranger
        ).status_code
        == 404
    )


def test_the_scheduled_jobs_are_tasks_calling_one_service_each(pair, send, clock):
    from wallet import tasks

    sender, recipient, binding = pair
    send(sender, recipient)
    clock.shift(dt.timedelta(minutes=11))
    assert tasks.expire_unconfirmed_transfers.delay().get() == 1
    recipient.enrollments.update(status="STOPPED")
    assert tasks.end_stale_family_bindings.delay().get() == 1
    binding.refresh_from_db()
    assert binding.status == "ENDED"
