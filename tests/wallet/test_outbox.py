"""The pluggable one-time-code sender and the `outbox` command."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.wallet.factories import family_pair, insured_person, last_code
from wallet.services import transfers

pytestmark = pytest.mark.django_db

sent_codes: list[dict] = []


class RecordingSender:
    """A stand-in SMS gateway: what a real sender plugged in by settings receives."""

    def send(self, *, person, phone, body, reference):
        sent_codes.append({"person": person.pk, "phone": phone, "body": body, "ref": reference})


def outbox(*args) -> str:
    out = io.StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


def create(sender, recipient, key="k", amount="10.00"):
    return transfers.wallet_transfer_create(
        sender=sender, to_national_id=recipient.national_id, amount=amount, idempotency_key=key
    )


def test_the_code_is_sent_only_after_the_transaction_commits(django_capture_on_commit_callbacks):
    sender, recipient, _binding = family_pair()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create(sender, recipient)
    assert len(callbacks) == 1
    assert outbox() == "outbox is empty\n"


def test_outbox_lists_messages_filters_by_person_and_shows_the_last(on_commit):
    sender, recipient, _binding = family_pair()
    other_sender, other_recipient, _ = family_pair()
    with on_commit():
        create(sender, recipient, key="1", amount="1.00")
    with on_commit():
        create(other_sender, other_recipient, key="2", amount="2.00")
    everything = outbox()
    assert everything.count("验证码") == 2
    mine = outbox("--to", sender.national_id)
    assert mine.count("验证码") == 1 and last_code(sender) in mine
    assert sender.masked_national_id in mine and sender.national_id not in mine
    last = outbox("--last")
    assert last.count("验证码") == 1 and last_code(other_sender) in last


def test_outbox_last_for_nobody_fails():
    with pytest.raises(CommandError):
        outbox("--last", "--to", insured_person().national_id)


def test_the_sender_is_pluggable_by_settings(settings, on_commit):
    settings.WALLET_CODE_SENDER = "tests.wallet.test_outbox.RecordingSender"
    sender, recipient, _binding = family_pair()
    sent_codes.clear()
    with on_commit():
        transfer = create(sender, recipient)
    assert [(c["person"], c["ref"]) for c in sent_codes] == [(sender.pk, transfer.reference)]
    assert outbox() == "outbox is empty\n"
