"""Service tokens carry scopes: feed for the /feed/ endpoints, settlement for wallet payments.

Only a service user's own token passes a scope; staff and superusers never do, whatever
permissions they hold (a superuser's `has_perm` is always true).
"""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import DesignatedInstitution, User
from tests.factories import ServiceUserFactory, StaffUserFactory, UserFactory, make_credit_code

pytestmark = pytest.mark.django_db

FEED_REQUESTS = [
    ("/api/v1/feed/persons/", {"persons": []}),
    ("/api/v1/feed/employers/", {"employers": []}),
    ("/api/v1/feed/contributions/", {"contributions": []}),
]
SETTLEMENT = ("/api/v1/wallet/payments/medical/", {"bill_reference": "B-1", "amount": "1.00"})


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def both_scopes(user) -> User:
    """Every scope's permission and an institution: only the kind of user can still refuse."""
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts", codename__in=["submit_feed", "settle_payments"]
        )
    )
    DesignatedInstitution.objects.create(
        code=f"H{user.pk}", name="某医院", region_id="140100", service_user=user
    )
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: StaffUserFactory(), id="staff"),
        pytest.param(
            lambda: UserFactory(kind=User.Kind.STAFF, is_staff=True, is_superuser=True),
            id="superuser",
        ),
        pytest.param(
            lambda: UserFactory(kind=User.Kind.SERVICE, is_staff=True, is_superuser=True),
            id="superuser-of-service-kind",
        ),
    ],
)
def test_staff_and_superuser_tokens_pass_no_service_scope(make_user):
    # given: a staff or superuser token with every scope's permission
    client = token_client(both_scopes(make_user()))
    # when / then: every feed endpoint and the settlement endpoint refuse it
    for path, body in [*FEED_REQUESTS, SETTLEMENT]:
        response = client.post(path, body, format="json")
        assert response.status_code == 403, (path, response.content)


def test_a_feed_token_feeds_and_does_not_settle():
    client = token_client(ServiceUserFactory())
    for path, body in FEED_REQUESTS:  # past the permission check (an empty batch may be a 400)
        assert client.post(path, body, format="json").status_code not in (401, 403), path
    path, body = SETTLEMENT
    assert client.post(path, body, format="json").status_code == 403


def test_a_settlement_token_does_not_feed():
    out = io.StringIO()
    call_command(
        "create_service_token",
        "hospital-ty",
        "--scope",
        "settlement",
        "--institution-code",
        "H14010001",
        "--institution-name",
        "太原市人民医院",
        "--institution-region",
        "140100",
        stdout=out,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    for path, body in FEED_REQUESTS:
        assert client.post(path, body, format="json").status_code == 403, path
    institution = DesignatedInstitution.objects.get(code="H14010001")
    assert (institution.service_user.username, institution.region_id) == ("hospital-ty", "140100")


def test_create_service_token_gives_exactly_the_scopes_asked_for():
    """Running it again with feed only takes settlement away; default is feed."""
    # given: a user with both scopes
    call_command(
        "create_service_token",
        "both",
        "--scope",
        "feed",
        "--scope",
        "settlement",
        "--institution-code",
        "H1",
        "--institution-name",
        "医院",
        "--institution-region",
        "140100",
        stdout=io.StringIO(),
    )
    user = User.objects.get(username="both")
    assert user.has_perm("accounts.submit_feed") and user.has_perm("accounts.settle_payments")
    # when
    call_command("create_service_token", "both", stdout=io.StringIO())
    # then
    user = User.objects.get(username="both")
    assert user.has_perm("accounts.submit_feed")
    assert not user.has_perm("accounts.settle_payments")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--scope", "settlement"], id="settlement-without-institution"),
        pytest.param(
            ["--scope", "settlement", "--institution-code", "NEW1"], id="new-institution-no-name"
        ),
        pytest.param(
            ["--scope", "settlement", "--institution-code", "H1", "--institution-region", "999999"],
            id="unknown-region",
        ),
    ],
)
def test_create_service_token_needs_an_institution_for_settlement(args):
    with pytest.raises(CommandError):
        call_command("create_service_token", "hospital", *args, stdout=io.StringIO())
    assert not DesignatedInstitution.objects.exists()


def test_create_service_token_refuses_staff_and_superuser_names():
    UserFactory(username="boss", kind=User.Kind.SERVICE, is_superuser=True)
    StaffUserFactory(username="clerk")
    for name in ("boss", "clerk"):
        with pytest.raises(CommandError):
            call_command("create_service_token", name, stdout=io.StringIO())
    assert not Token.objects.exists()


def test_an_institution_belongs_to_one_settlement_token():
    common = ["--scope", "settlement", "--institution-code", "H1"]
    named = ["--institution-name", "医院", "--institution-region", "140100"]
    call_command("create_service_token", "first", *common, *named, stdout=io.StringIO())
    with pytest.raises(CommandError, match="另一个结算服务账号"):
        call_command("create_service_token", "second", *common, stdout=io.StringIO())


def test_the_feed_still_accepts_a_feed_token_from_the_command():
    out = io.StringIO()
    call_command("create_service_token", "tax-ty", stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    code = make_credit_code(91)
    response = client.post(
        "/api/v1/feed/employers/",
        {"employers": [{"code": code, "name": "太原测试单位", "region": "140100"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
