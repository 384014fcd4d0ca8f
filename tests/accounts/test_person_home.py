"""What a person's home page reads of the core in one query: the person, the figures of their
personal accounts (as the account page sums them), and their API token's age."""

import datetime as dt

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from accounts.models import Region, User
from accounts.selectors import AccountBalances, account_summary, person_home
from accounts.services.api_tokens import api_token_expires_at, token_expiry
from accounts.services.personal_accounts import (
    personal_account_close,
    personal_account_freeze,
    personal_account_open,
)
from tests.factories import EmployerFactory, InsuredPersonFactory, UserFactory
from tests.wallet.factories import fund

pytestmark = pytest.mark.django_db


def figures(summary) -> AccountBalances:
    return AccountBalances(
        summary.status,
        summary.status_reason,
        summary.current_year_fen,
        summary.carried_over_fen,
        summary.available_fen,
    )


def test_the_person_comes_with_what_the_page_shows_and_loads_the_rest_when_asked():
    person = InsuredPersonFactory(with_user=True, name="王建军", birth_date=dt.date(1985, 3, 12))

    mine = person_home(user_id=person.user.pk)

    assert mine.person.pk == person.pk
    assert (mine.person.name, mine.person.phone) == ("王建军", person.phone)
    assert mine.person.birth_date == dt.date(1985, 3, 12)
    assert mine.person.masked_national_id == person.masked_national_id
    assert mine.person.user_id == person.user.pk  # deferred: read on first use
    assert mine.balances is None and mine.token_created is None


def test_balances_sum_the_open_accounts_as_the_account_page_does():
    # given: money in three regions; one account frozen, one closed
    person = InsuredPersonFactory(with_user=True)
    fund(person, 300_00, region_code="610100")
    personal_account_freeze(account=fund(person, 200_00, region_code="140100"), reason="停保")
    closed = personal_account_open(person=person, region=Region.objects.get(pk="610300"))
    personal_account_close(account=closed, reason="已合并")
    # when
    balances = person_home(user_id=person.user.pk).balances
    # then: the frozen money is the person's but not available; the closed account is left out
    assert balances == figures(account_summary(person=person))
    assert (balances.balance_fen, balances.available_fen) == (500_00, 300_00)


def test_a_frozen_only_account_gives_its_status_and_reason():
    person = InsuredPersonFactory(with_user=True)
    personal_account_freeze(account=fund(person, 500_00), reason="已停止职工医保")

    balances = person_home(user_id=person.user.pk).balances

    assert (balances.status, balances.status_reason) == ("FROZEN", "已停止职工医保")
    assert balances == figures(account_summary(person=person))


def test_the_token_is_read_with_the_person_and_expires_after_its_lifetime():
    person = InsuredPersonFactory(with_user=True)
    token = Token.objects.create(user=person.user)

    created = person_home(user_id=person.user.pk).token_created

    assert created == token.created
    expires = token_expiry(user=person.user, created=created)
    assert expires == token.created + settings.API_TOKEN_TTL
    assert api_token_expires_at(user=person.user) == expires


def test_no_person_for_a_user_who_is_not_one():
    employer = EmployerFactory(user=UserFactory(kind=User.Kind.EMPLOYER))

    assert person_home(user_id=employer.user.pk) is None
    assert api_token_expires_at(user=employer.user) is None
