"""The demo shows everything: 王建军's family with bindings, wallets and a transfer to accept
(seeded at night too), a frozen account with money, and a printed line per login saying what
to try; the main login's home page shows the to-dos."""

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import InsuredPerson, PersonalAccount, RegionPolicy
from accounts.selectors import account_summary
from demo.services import DEMO_PERSONS, demo_national_id
from wallet import selectors as wallet_selectors
from wallet.models import FamilyBinding, GuardianReview, WalletTransfer

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MAIN_LOGIN = "610102198503120011"  # 王建军, the login README and the helpers use


def person(name: str) -> InsuredPerson:
    index = next(i for i, demo in enumerate(DEMO_PERSONS) if demo.name == name)
    return InsuredPerson.objects.get(national_id=demo_national_id(index))


@pytest.fixture
def seeded(settings, tmp_path):
    """Seeded at 23:30 in Shanghai, inside the wallet's quiet hours (22:00–06:00)."""
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    with time_machine.travel(dt.datetime(2026, 12, 3, 23, 30, tzinfo=SHANGHAI), tick=False):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def guide_line(output: str, username: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"  {username} "))


def test_the_family_is_bound_with_wallets_and_one_binding_waits_for_the_main_login(seeded):
    husband, wife = person("王建军"), person("李秀英")
    daughter, son, father = person("王子涵"), person("王浩宇"), person("王德福")
    assert husband.user.username == MAIN_LOGIN

    confirmed = FamilyBinding.objects.filter(status=FamilyBinding.Status.CONFIRMED)
    assert confirmed.filter(requester=husband, member=wife).exists()
    assert confirmed.filter(requester=husband, member=daughter, guardian=True).exists()
    for owner in (husband, wife, daughter):
        assert wallet_selectors.wallet_for_person(person=owner) is not None
    to_confirm = list(wallet_selectors.family_bindings_to_confirm(person=husband))
    assert [(b.requester, b.member) for b in to_confirm] == [(father, husband)]
    assert GuardianReview.objects.get(binding__member=son).status == GuardianReview.Status.WAITING


def test_a_transfer_waits_to_be_accepted_and_the_quiet_hours_stay(seeded):
    husband, wife = person("王建军"), person("李秀英")

    waiting = WalletTransfer.objects.get(status=WalletTransfer.Status.SENT)
    assert (waiting.sender, waiting.recipient, waiting.amount_fen) == (wife, husband, 200_00)
    assert waiting.accept_deadline == dt.datetime(2026, 12, 4, 6, 0, tzinfo=SHANGHAI)
    accepted = WalletTransfer.objects.get(status=WalletTransfer.Status.ACCEPTED)
    assert (accepted.sender, accepted.recipient) == (husband, wife)
    assert wallet_selectors.wallet_for_person(person=wife).account.balance_fen == 300_00
    policy = RegionPolicy.objects.get(region_id="610100")
    assert (policy.wallet_quiet_start, policy.wallet_quiet_end) == (dt.time(22), dt.time(6))


def test_the_frozen_person_has_a_personal_account_with_money(seeded):
    summary = account_summary(person=person("彭亮"))

    assert summary.status == PersonalAccount.Status.FROZEN
    assert summary.current_year_fen > 0 and summary.carried_over_fen > 0
    assert summary.available_fen == 0


def test_every_login_shown_off_gets_a_line_saying_what_to_try(seeded):
    for username in ("admin", "staff_xian", "staff_taiyuan", MAIN_LOGIN):
        assert " → " in guide_line(seeded, username)
    assert "确认父亲王德福的绑定申请" in guide_line(seeded, MAIN_LOGIN)
    assert "已封存" in guide_line(seeded, person("彭亮").national_id)
    assert "/login/" in seeded and "/admin/" in seeded


def test_the_main_logins_home_page_shows_what_waits(seeded, client):
    client.force_login(person("王建军").user)

    with time_machine.travel(dt.datetime(2026, 12, 3, 23, 40, tzinfo=SHANGHAI), tick=False):
        body = client.get("/").content.decode()

    assert "王德福 申请与您绑定亲情账户" in body
    assert "李秀英 向您的医保钱包转入 200.00 元" in body
    assert ">2026-12-04 06:00</time>" in body
    assert 'data-testid="home-wallet-balance"' in body


def test_seeding_again_adds_no_second_waiting_transfer(seeded, settings):
    with time_machine.travel(dt.datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI), tick=False):
        call_command("seed_demo", stdout=io.StringIO())

    assert WalletTransfer.objects.filter(status=WalletTransfer.Status.SENT).count() == 1
    assert FamilyBinding.objects.count() == 4
