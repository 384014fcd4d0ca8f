import io
import re

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Count, Exists, OuterRef
from rest_framework.test import APIClient

from accounts.identity import validate_credit_code, validate_national_id
from accounts.models import Employer, InsuredPerson, PersonRegion, User
from demo.services import DEMO_PASSWORD, STAFF_GROUP, SYNTHETIC_ID_PREFIX
from enrollment.models import DuplicateCase, Enrollment, EnrollmentStatus
from tests.factories import UserFactory, make_credit_code

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def printed_logins(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines() if line.startswith("  ")]


def synthetic_persons():
    return InsuredPerson.objects.filter(national_id__startswith=SYNTHETIC_ID_PREFIX)


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, Group, Employer, InsuredPerson, Enrollment, LogEntry)
    }


def test_seed_demo_twice_changes_nothing():
    """Seeding is idempotent: a second run creates, changes and logs nothing."""
    # given
    seed()
    before = row_counts()
    # when
    seed()
    # then
    assert row_counts() == before
    assert before["InsuredPerson"] >= 30


def test_seed_demo_prints_working_logins():
    """Every printed login exists and accepts the printed demo password."""
    # when
    output = seed()
    # then
    usernames = printed_logins(output)
    assert {"admin", "staff_xian", "staff_taiyuan"} <= set(usernames)
    assert f"密码 (password for all demo logins): {DEMO_PASSWORD}" in output
    users = User.objects.in_bulk(usernames, field_name="username")
    assert set(users) == set(usernames)
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())
    assert users["admin"].is_superuser
    persons = InsuredPerson.objects.filter(user__isnull=False).select_related("user")
    assert {p.national_id for p in persons} <= set(usernames)
    assert all(p.user.username == p.national_id for p in persons)
    assert all(p.user.kind == User.Kind.PERSON for p in persons)
    employers = Employer.objects.select_related("user")
    assert all(e.user.username == e.code and e.user.kind == User.Kind.EMPLOYER for e in employers)


def test_seed_demo_staff_have_regions_group_and_permissions():
    """Staff work for their own region in the 经办人员 group; only Xi'an sees full IDs."""
    # when
    seed()
    # then
    xian = User.objects.get(username="staff_xian")
    taiyuan = User.objects.get(username="staff_taiyuan")
    assert list(xian.regions.values_list("code", flat=True)) == ["610100"]
    assert list(taiyuan.regions.values_list("code", flat=True)) == ["140100"]
    for staff in (xian, taiyuan):
        assert staff.is_staff and staff.kind == User.Kind.STAFF
        assert list(staff.groups.values_list("name", flat=True)) == [STAFF_GROUP]
        assert staff.has_perm("accounts.change_regionpolicy")
        assert staff.has_perm("enrollment.add_enrollment")
        assert staff.has_perm("enrollment.change_duplicatecase")
        assert not staff.has_perm("enrollment.delete_enrollment")
    assert xian.has_perm("accounts.view_full_national_id")
    assert not taiyuan.has_perm("accounts.view_full_national_id")


def test_seed_demo_has_every_duplicate_kind_already_resolved():
    """The demo holds one person for each duplicate-resolution rule, decided by a resolution
    run during seeding (no staff click needed); the name mismatch waits for the employer."""
    # when
    seed()
    # then
    cases = DuplicateCase.objects.filter(run__triggered_by="seed_demo")
    assert dict(cases.values_list("rule", "status").distinct()) == {
        DuplicateCase.Rule.EMPLOYEE_OVER_RESIDENT: DuplicateCase.Status.DECIDED,
        DuplicateCase.Rule.EMPLOYEE_NEWEST: DuplicateCase.Status.DECIDED,
        DuplicateCase.Rule.RESIDENT_NEWEST: DuplicateCase.Status.DECIDED,
        DuplicateCase.Rule.SAME_REGION_MERGE: DuplicateCase.Status.DECIDED,
        DuplicateCase.Rule.NAME_MISMATCH: DuplicateCase.Status.OPEN,
    }
    assert not cases.filter(
        rule=DuplicateCase.Rule.SAME_REGION_MERGE,
        accounts_status=DuplicateCase.AccountsStatus.PENDING,
    ).exists()
    active = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
    assert not active.values("person").annotate(n=Count("pk")).filter(n__gt=1).exists()


def test_seeded_identity_numbers_are_valid():
    """Every seeded national ID and employer code passes the validators."""
    # when
    seed("--persons", "50")
    # then
    for national_id in InsuredPerson.objects.values_list("national_id", flat=True):
        validate_national_id(national_id)
    for code in Employer.objects.values_list("code", flat=True):
        validate_credit_code(code)


def test_seed_demo_persons_adds_only_the_missing():
    """--persons N makes N synthetic persons exist, each with one active enrollment."""
    # when
    first = seed("--persons", "50")
    # then
    assert "50 created" in first
    assert synthetic_persons().count() == 50
    assert not synthetic_persons().filter(user__isnull=False).exists()
    enrollments = Enrollment.objects.filter(person__in=synthetic_persons())
    assert enrollments.count() == 50
    assert enrollments.filter(status=EnrollmentStatus.ACTIVE).count() == 50
    assert enrollments.filter(scheme="EMPLOYEE", employer__isnull=False).exists()
    assert enrollments.filter(scheme="RESIDENT").exists()
    assert synthetic_persons().filter(retired=True, pension__isnull=False).exists()

    # when the same number is asked again
    again = seed("--persons", "50")
    # then
    assert "0 created" in again
    assert synthetic_persons().count() == 50

    # when more are asked
    more = seed("--persons", "60")
    # then
    assert "10 created" in more
    assert synthetic_persons().count() == 60
    assert Enrollment.objects.filter(person__in=synthetic_persons()).count() == 60


def test_create_service_token_prints_a_token_that_feeds():
    """The printed token alone authenticates a feed request."""
    # given
    out = io.StringIO()
    # when
    call_command("create_service_token", "tax-xian", stdout=out)
    # then
    token = out.getvalue().strip()
    assert re.fullmatch(r"[0-9a-f]{40}", token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    code = make_credit_code(77)
    response = client.post(
        "/api/v1/feed/employers/",
        {"employers": [{"code": code, "name": "西安税务测试单位", "region": "610100"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Employer.objects.filter(code=code).exists()


def test_create_service_token_twice_prints_the_same_token():
    """The command is idempotent per name."""
    # given
    first, second = io.StringIO(), io.StringIO()
    # when
    call_command("create_service_token", "tax-xian", stdout=first)
    call_command("create_service_token", "tax-xian", stdout=second)
    # then
    assert first.getvalue() == second.getvalue()
    assert len(first.getvalue().splitlines()) == 1


def test_create_service_token_refuses_a_non_service_username():
    """A name already used by a person's login is not turned into a service user."""
    # given
    UserFactory(username="someone", kind=User.Kind.PERSON)
    # when / then
    with pytest.raises(CommandError):
        call_command("create_service_token", "someone", stdout=io.StringIO())


def test_every_seeded_person_is_known_to_the_core_where_they_are_enrolled():
    """Demo and synthetic (bulk) persons alike: staff of the region see them in the admin."""
    # when
    seed("--persons", "20")
    # then
    link = PersonRegion.objects.filter(person=OuterRef("person"), region=OuterRef("region"))
    assert Enrollment.objects.filter(person__in=synthetic_persons()).count() == 20
    assert Enrollment.objects.exclude(person__in=synthetic_persons()).exists()
    assert not Enrollment.objects.exclude(Exists(link)).exists()
