"""Home pages that say what waits: the person's balances and to-dos (each app adds its own),
the employer's refunds, pending money and clearances; bounded query counts for both."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts import home
from accounts.home import Todo, todos_for
from accounts.models import Employer, InsuredPerson, Notification, Region, User
from accounts.services import ledger
from accounts.services.personal_accounts import personal_account_freeze
from refunds.services import batches, clearances
from tests.accounts.factories import NotificationFactory
from tests.factories import EmployerFactory, StaffUserFactory, UserFactory
from tests.refunds.factories import employer_with_employees, item
from tests.transfers.factories import TAIYUAN, XIAN, id_images, ready_person
from tests.wallet.factories import bind, family_pair, fund, insured_person, last_code, open_wallet
from transfers.services import transfer_apply, transfer_reject
from wallet.models import Relation
from wallet.services import family, transfers

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock():
    """10:00 on a Monday in Shanghai: transfers are open, the acceptance deadline is 06:00 next day."""
    with time_machine.travel(dt.datetime(2025, 3, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def html(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def sent_transfer(sender, recipient, django_capture_on_commit_callbacks, *, amount="200.00"):
    with django_capture_on_commit_callbacks(execute=True):
        transfer = transfers.wallet_transfer_create(
            sender=sender,
            to_national_id=recipient.national_id,
            amount=amount,
            idempotency_key=f"home-{recipient.pk}-{amount}",
        )
    return transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=last_code(sender)
    )


def binding_request(requester, member, relation=Relation.PARENT):
    return family.family_binding_request(
        requester=requester, national_id=member.national_id, name=member.name, relation=relation
    )


def applied():
    """A person who filed a transfer application from Xi'an to Taiyuan."""
    person, _account = ready_person()
    application = transfer_apply(
        person=person,
        from_region=Region.objects.get(pk=XIAN),
        to_region=Region.objects.get(pk=TAIYUAN),
        scheme="EMPLOYEE",
        **id_images(),
    )
    return person, application


# The registry


def test_todos_come_nearest_deadline_first_and_only_for_their_owner(monkeypatch):
    """Each source adds its items for its kind of owner; the nearest deadline leads, undated last."""
    monkeypatch.setattr(home, "_sources", {})
    late = Todo("b.late", "晚", "", "/b/", "去", dt.date(2026, 12, 20))
    undated = Todo("a.none", "无期限", "", "/a/", "去")
    soon = Todo("b.soon", "早", "", "/b/", "去", dt.datetime(2026, 12, 4, 6, 0, tzinfo=SHANGHAI))
    home.todo_source_register(uid="a", owner=InsuredPerson, source=lambda owner: [undated])
    home.todo_source_register(uid="b", owner=InsuredPerson, source=lambda owner: [late, soon])
    home.todo_source_register(
        uid="c", owner=Employer, source=lambda owner: pytest.fail("asked for a person")
    )

    assert todos_for(owner=InsuredPerson()) == [soon, late, undated]


def test_registering_the_same_source_again_replaces_it(monkeypatch):
    monkeypatch.setattr(home, "_sources", {})
    first = Todo("x", "一", "", "/", "去")
    second = Todo("x", "二", "", "/", "去")
    home.todo_source_register(uid="x", owner=InsuredPerson, source=lambda owner: [first])
    home.todo_source_register(uid="x", owner=InsuredPerson, source=lambda owner: [second])

    assert todos_for(owner=InsuredPerson()) == [second]


def test_to_dos_are_only_for_persons_and_employers():
    with pytest.raises(ValueError):
        home.todo_source_register(uid="staff", owner=User, source=lambda owner: [])


# Person home


def test_person_home_shows_both_account_parts_their_total_and_the_wallet(client, clock):
    """The balances sit on top as cards: current year, carried over, total, and the wallet."""
    person = insured_person()
    account = fund(person, 300_00)
    ledger.posting_create(
        from_account=ledger.region_account(region=account.region),
        to_account=account.carried,
        amount_fen=1_234_56,
        kind="CARRY_OVER",
        idempotency_key="home-carried",
    )
    open_wallet(person)
    client.force_login(person.user)

    body = html(client)

    assert 'data-testid="home-balance">¥1,534.56<' in body
    assert "¥300.00" in body and "¥1,234.56" in body
    assert 'data-testid="home-wallet-balance">¥0.00<' in body


def test_a_frozen_account_keeps_its_balance_card_and_says_why_it_cannot_pay(client):
    person = insured_person()
    personal_account_freeze(account=fund(person, 500_00), reason="已停止职工医保")
    client.force_login(person.user)

    body = html(client)

    assert 'data-testid="home-balance">¥500.00<' in body
    assert "个人账户已封存：余额仍归您所有，但暂不能支付或转出。" in body
    assert f'<a href="{reverse("my-account")}">查看原因</a>' in body


def test_person_without_account_or_wallet_is_told_so_and_offered_the_wallet(client):
    person = insured_person(scheme="RESIDENT")
    client.force_login(person.user)

    body = html(client)

    assert "城乡居民医保不设个人账户" in body
    assert "未开通，点此开通" in body and f'href="{reverse("wallet:home")}"' in body


def test_binding_to_confirm_is_a_to_do_that_leads_to_the_family_page(client, clock):
    requester, member = insured_person(name="王德福"), insured_person()
    binding_request(requester, member, relation=Relation.CHILD)
    client.force_login(member.user)

    body = html(client)

    assert "确认家庭绑定" in body
    assert "王德福 申请与您绑定亲情账户（王德福是您的父母）" in body
    assert f'href="{reverse("wallet:family")}"' in body


def test_transfer_to_accept_shows_its_whole_deadline(
    client, clock, django_capture_on_commit_callbacks
):
    """06:00 the next day, date and time, never cut."""
    sender, recipient, _binding = family_pair()
    sent_transfer(sender, recipient, django_capture_on_commit_callbacks)
    client.force_login(recipient.user)

    body = html(client)

    assert "接收家人转账" in body
    assert f"{sender.name} 向您的医保钱包转入 200.00 元" in body
    assert (
        '<time class="nowrap" datetime="2025-03-11T06:00:00+08:00">2025-03-11 06:00</time>' in body
    )
    assert f'href="{reverse("wallet:transfers")}"' in body


def test_transfer_application_shows_its_next_step_and_due_date(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person, application = applied()
    client.force_login(person.user)

    body = html(client)

    assert "转移接续：西安市 → 太原市" in body
    assert "下一步：转出地（西安市）医保经办机构审核" in body
    assert f'办理期限 <time class="nowrap" datetime="{application.out_due:%Y-%m-%d}">' in body
    assert f'href="{reverse("transfers:detail", args=[application.pk])}"' in body


def test_a_rejected_application_asks_to_apply_again(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person, application = applied()
    transfer_reject(
        application_id=application.pk,
        by=StaffUserFactory(regions=[Region.objects.get(pk=XIAN)]),
        reason="身份证照片不清晰。",
    )
    client.force_login(person.user)

    body = html(client)

    assert "未通过：身份证照片不清晰。" in body
    assert f'href="{reverse("transfers:new")}"' in body


def test_nothing_waiting_says_so(client):
    person = insured_person()
    client.force_login(person.user)

    assert "目前没有需要您办理的事项。" in html(client)


def test_transfers_and_refunds_entries_lead_to_real_pages(client):
    person = insured_person()
    client.force_login(person.user)

    body = html(client)

    assert f'href="{reverse("transfers:list")}" id="transfers"' in body
    assert f'href="{reverse("resident-refunds:list")}" id="refunds"' in body


def test_person_home_explains_its_words_in_a_tap_to_open_note(client):
    person = insured_person()
    client.force_login(person.user)

    body = html(client)

    assert "入库时间（登记日期）" in body
    assert '<details class="glossary">' in body
    assert "您的参保信息登记进医保系统的日期。" in body


def test_person_home_queries_do_not_grow_with_what_waits(
    client, clock, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """One binding and one transfer, or three of each: the same number of queries."""
    person = insured_person()
    fund(person, 1_000_00)
    open_wallet(person)

    def one_more_of_each():
        requester = insured_person()
        binding_request(requester, person, relation=Relation.SIBLING)
        sender = insured_person()
        fund(sender, 1_000_00)
        open_wallet(sender)
        bind(sender, person, relation=Relation.SIBLING)
        sent_transfer(sender, person, django_capture_on_commit_callbacks)

    one_more_of_each()
    client.force_login(person.user)
    html(client)  # warm the session
    with CaptureQueriesContext(connection) as one_each:
        html(client)

    one_more_of_each()
    one_more_of_each()

    with django_assert_num_queries(len(one_each.captured_queries)):
        body = html(client)
    assert body.count('data-kind="wallet.binding"') == 3
    assert body.count('data-kind="wallet.transfer"') == 3


# The session and the user; the person with their balances and token; the wallet's balance; a
# query per to-do source (refunds, transfers, wallet); the enrollments with their explanations;
# the unread notices with their count.
PERSON_HOME_QUERIES = 9


def test_person_home_reads_everything_in_a_fixed_number_of_queries(
    client, clock, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Whatever the person has: accounts, a wallet, to-dos, notices, enrollments, a token."""
    sender, person, _binding = family_pair()
    fund(person, 1_000_00)
    binding_request(insured_person(), person, relation=Relation.SIBLING)
    sent_transfer(sender, person, django_capture_on_commit_callbacks)
    Token.objects.create(user=person.user)
    NotificationFactory.create_batch(2, person=person, kind=Notification.Kind.WALLET)
    client.force_login(person.user)
    html(client)  # warm the session

    with django_assert_num_queries(PERSON_HOME_QUERIES):
        body = html(client)
    assert body.count('class="notification notification--unread"') == 2
    assert 'data-kind="wallet.binding"' in body and 'data-kind="wallet.transfer"' in body
    assert 'data-testid="home-wallet-balance">' in body and "有效至" in body


# Employer home


def received_batch(employer, person, reference: str):
    return batches.refund_batch_receive(
        reference=reference,
        region_code=employer.region_id,
        employer_code=employer.code,
        periods=["202404", "202405", "202406"],
        items=[item(person, period, "10000.00", "8000.00") for period in ("202404", "202405")],
        submitted_by=None,
    )


def approved_batch(employer, person, reference: str):
    batch = received_batch(employer, person, reference)
    return batches.refund_batch_approve(
        batch_id=batch.pk, by=StaffUserFactory(regions=[Region.objects.get(pk="610100")])
    )


def employer_login(employer) -> User:
    employer.user = UserFactory(kind=User.Kind.EMPLOYER)
    employer.save(update_fields=["user"])
    return employer.user


def test_employer_home_shows_latest_batches_pending_money_and_what_waits_for_staff(client):
    """An approved batch with its total, the pending balance it brought, a batch and a
    clearance waiting for staff."""
    employer, (person,) = employer_with_employees(1)
    approved = approved_batch(employer, person, "SW-HOME-1")
    received_batch(employer, person, "SW-HOME-2")
    clearances.clearance_request(
        employer=employer,
        amount="10",
        bank_name="中国银行西安分行",
        bank_account="6217000012345678",
        by=employer_login(employer),
    )
    client.force_login(employer.user)

    body = html(client)

    assert "SW-HOME-1" in body and "SW-HOME-2" in body
    assert "已审核通过" in body and "待审核" in body
    assert f"¥{approved.refund_fen // 100:,}.{approved.refund_fen % 100:02d}" in body
    assert (
        f'data-testid="home-pending-balance">¥{approved.refund_fen // 100:,}.'
        f"{approved.refund_fen % 100:02d}<"
    ) in body
    assert 'data-testid="home-clearances-waiting">1<' in body
    assert f'href="{reverse("refunds:pending-account")}"' in body


def test_employer_without_batches_is_told_so(client):
    employer = EmployerFactory(user=UserFactory(kind=User.Kind.EMPLOYER))
    client.force_login(employer.user)

    body = html(client)

    assert "还没有收到税务部门报送的退费批次。" in body
    assert 'data-testid="home-pending-balance">¥0.00<' in body


def test_employer_home_queries_do_not_grow_with_batches(client, django_assert_num_queries):
    employer, (person,) = employer_with_employees(1)
    approved_batch(employer, person, "SW-Q-1")
    employer_login(employer)
    client.force_login(employer.user)
    html(client)  # warm the session
    with CaptureQueriesContext(connection) as one_batch:
        html(client)

    for n in range(2, 6):
        received_batch(employer, person, f"SW-Q-{n}")

    with django_assert_num_queries(len(one_batch.captured_queries)):
        body = html(client)
    assert body.count('class="batch-list__item"') == 3


# Staff home


def test_staff_home_queries_do_not_grow_with_regions(client, django_assert_num_queries):
    staff = StaffUserFactory(regions=[Region.objects.get(pk="610100")])
    client.force_login(staff)
    html(client)  # warm the session
    with CaptureQueriesContext(connection) as one_region:
        html(client)

    staff.regions.add(*Region.objects.filter(pk__in=["610300", "140100"]))

    with django_assert_num_queries(len(one_region.captured_queries)):
        body = html(client)
    assert "宝鸡市" in body and "太原市" in body
