"""Portal pages: Chinese by default, English on request, one home page per kind of user."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.defaults import server_error

from accounts.models import Notification, User
from enrollment.models import EnrollmentStatus, Scheme
from tests.accounts.messages import last_code
from tests.factories import (
    TEST_PASSWORD,
    EmployerFactory,
    EnrollmentFactory,
    InsuredPersonFactory,
    StaffUserFactory,
    UserFactory,
    make_national_id,
    region,
)

pytestmark = pytest.mark.django_db

WELCOME_ZH = "欢迎使用医保服务门户"
WELCOME_EN = "Welcome to the Medical Insurance Service Portal"


def html(response) -> str:
    return response.content.decode()


# Language


def test_anonymous_home_is_chinese_by_default(client):
    """Without a language choice the portal speaks Chinese."""
    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    body = html(response)
    assert '<html lang="zh-hans">' in body
    assert "医保服务门户" in body
    assert WELCOME_ZH in body
    assert WELCOME_EN not in body


def test_anonymous_home_follows_accept_language(client):
    """A browser asking for English gets the English catalog."""
    # when
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    body = html(response)
    assert '<html lang="en">' in body
    assert WELCOME_EN in body
    assert WELCOME_ZH not in body
    assert "Family wallet" in body


def test_language_switch_is_remembered(client):
    """Posting to set_language switches the portal and returns to the page the user was on."""
    # when
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    body = html(client.get("/"))
    assert WELCOME_EN in body
    assert WELCOME_ZH not in body


def test_language_switch_form_posts_current_path(client):
    """The switch in the header sends the user back to the current page."""
    # when
    body = html(client.get("/register/"))

    # then
    assert f'action="{reverse("set_language")}"' in body
    assert 'name="next" value="/register/"' in body
    assert 'name="language" value="en"' in body


# Person home


def test_person_home_masks_national_id_and_lists_enrollments(client, person):
    """The person sees a masked ID, never the full one, and every enrollment."""
    # given
    EnrollmentFactory(person=person, region=region("610100"), scheme=Scheme.EMPLOYEE)
    EnrollmentFactory(
        person=person,
        region=region("610200"),
        scheme=Scheme.RESIDENT,
        status=EnrollmentStatus.SUSPENDED,
        status_reason="职工医保与居民医保重复参保",
    )
    client.force_login(person.user)

    # when
    response = client.get("/")

    # then
    body = html(response)
    assert response.status_code == 200
    assert person.masked_national_id in body
    assert person.national_id not in body
    assert person.name in body
    assert "西安市" in body and "铜川市" in body
    assert "职工医保" in body and "城乡居民医保" in body
    assert "badge--suspended" in body
    assert "职工医保与居民医保重复参保" in body
    assert "请联系您所在的社区（村）核实处理。" in body


def test_suspended_employee_enrollment_points_to_the_employer(client, person):
    """A suspended employee is sent to the employer, by name."""
    # given
    enrollment = EnrollmentFactory(person=person, status=EnrollmentStatus.SUSPENDED)
    client.force_login(person.user)

    # when
    body = html(client.get("/"))

    # then
    assert f"请联系您的参保单位（{enrollment.employer.name}）核实处理。" in body


def test_person_home_runs_a_constant_number_of_queries(client, person, django_assert_num_queries):
    """More enrollments do not mean more SQL queries."""
    # given
    EnrollmentFactory(person=person, record_id="R0")
    client.force_login(person.user)
    client.get("/")  # warm the session
    with CaptureQueriesContext(connection) as one_enrollment:
        client.get("/")

    # when
    for n in range(1, 5):
        EnrollmentFactory(person=person, record_id=f"R{n}")

    # then
    with django_assert_num_queries(len(one_enrollment.captured_queries)):
        body = html(client.get("/"))
    assert body.count("badge--active") == 5


# Employer and staff homes


def test_employer_home_shows_the_employer(client):
    """An employer user sees its name, credit code and region."""
    # given
    employer = EmployerFactory(user=UserFactory(kind=User.Kind.EMPLOYER))
    client.force_login(employer.user)

    # when
    response = client.get("/")

    # then
    body = html(response)
    assert response.status_code == 200
    assert employer.name in body
    assert employer.code in body
    assert "西安市" in body


def test_staff_home_lists_regions_and_links_to_admin(client):
    """Staff see the regions they serve and the way into the admin."""
    # given
    staff = StaffUserFactory(regions=[region("610100"), region("610300")])
    client.force_login(staff)

    # when
    response = client.get("/")

    # then
    body = html(response)
    assert response.status_code == 200
    assert "西安市" in body and "宝鸡市" in body
    assert f'href="{reverse("admin:index")}"' in body


# Login and logout


def test_login_with_correct_password_goes_home(client, person):
    """Right credentials sign the person in and land on the home page."""
    # when
    response = client.post("/login/", {"username": person.national_id, "password": TEST_PASSWORD})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == person.user.pk


def test_login_with_wrong_password_shows_the_form_error(client, person):
    """A wrong password keeps the user on the form with an error."""
    # when
    response = client.post("/login/", {"username": person.national_id, "password": "wrong-pass"})

    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "notice--error" in html(response)
    assert "_auth_user_id" not in client.session


def test_login_page_renders(client):
    """The login form has both fields and a CSRF token."""
    # when
    response = client.get("/login/")

    # then
    body = html(response)
    assert response.status_code == 200
    assert 'name="username"' in body and 'name="password"' in body
    assert "csrfmiddlewaretoken" in body


def test_logout_is_a_post_from_the_header(client, person):
    """The header offers logout as a POST form; posting it signs the user out."""
    # given
    client.force_login(person.user)
    body = html(client.get("/"))
    assert f'method="post" action="{reverse("logout")}"' in body

    # when
    response = client.post("/logout/")

    # then
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert WELCOME_ZH in html(client.get("/"))


# Registration


def register_data(**overrides) -> dict:
    data = {
        "national_id": "",
        "name": "",
        "password": TEST_PASSWORD,
        "password_confirm": TEST_PASSWORD,
    }
    data.update(overrides)
    return data


def test_a_known_person_registers_in_two_steps_with_the_code_and_is_signed_in(
    client, django_capture_on_commit_callbacks
):
    """实名注册: ID, name and password, then the code sent to the phone on file."""
    # given
    person = InsuredPersonFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        step1 = client.post(
            "/register/", register_data(national_id=person.national_id, name=person.name)
        )
    step2 = client.post(reverse("register-confirm"), {"code": last_code(person=person)})

    # then
    assert step1.status_code == 302 and step1["Location"] == reverse("register-confirm")
    assert step2.status_code == 302 and step2["Location"] == reverse("home")
    person.refresh_from_db()
    assert int(client.session["_auth_user_id"]) == person.user_id
    body = html(client.get("/"))
    assert "注册成功" in body
    assert person.masked_national_id in body


@pytest.mark.parametrize("case", ["wrong name", "unknown ID", "no phone"])
def test_registration_that_cannot_get_a_code_looks_the_same_and_names_the_counter(
    client, django_capture_on_commit_callbacks, case
):
    """No code goes out, yet the answer is the next step like any other; it says where to go
    when no code arrives (经办窗口)."""
    # given
    person = InsuredPersonFactory(phone="" if case == "no phone" else "13800000000")
    national_id = (
        make_national_id(777, prefix="140105") if case == "unknown ID" else person.national_id
    )
    name = "别人" if case == "wrong name" else person.name

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/register/", register_data(national_id=national_id, name=name))
    page = client.get(response["Location"])
    refused = client.post(reverse("register-confirm"), {"code": "123456"})

    # then
    assert response.status_code == 302 and response["Location"] == reverse("register-confirm")
    assert "经办窗口" in html(page)
    assert Notification.objects.count() == 0
    assert refused.status_code == 200 and "验证码错误或已失效" in html(refused)
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username=national_id).exists()


def test_signed_in_users_are_sent_away_from_registration(client, person):
    client.force_login(person.user)
    assert client.get("/register/")["Location"] == reverse("home")
    assert client.get(reverse("register-confirm"))["Location"] == reverse("home")


def test_registration_shows_field_errors_next_to_fields(client):
    """An invalid ID is explained beside the field."""
    # when
    response = client.post("/register/", register_data(national_id="123", name="张三"))

    # then
    body = html(response)
    assert response.status_code == 200
    assert "field--invalid" in body
    assert "身份证号码必须是18位。" in body


# Error pages


def test_unknown_portal_url_is_an_html_404(client):
    """Browsers get the portal's 404 page."""
    # when
    response = client.get("/no-such-page/")

    # then
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "页面不存在" in html(response)


def test_unknown_api_url_is_a_json_404(client):
    """API clients get the API's error shape."""
    # when
    response = client.get("/api/v1/no-such-thing/")

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == {}
    assert response.json()["detail"]


def test_500_page_renders_without_a_request_context():
    """The 500 page stands alone: no user, no session, no base template."""
    # when
    response = server_error(RequestFactory().get("/"))

    # then
    assert response.status_code == 500
    assert "服务器错误" in response.content.decode()


def test_a_code_for_someone_elses_later_request_does_not_finish_a_portal_registration(
    client, api_client, django_capture_on_commit_callbacks
):
    """The person registers in the portal; someone else then asks with the same ID, name and
    their own password. The code of that request, typed into the person's page, registers no one."""
    # given
    person = InsuredPersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/register/", register_data(national_id=person.national_id, name=person.name))
        api_client.post(
            "/api/v1/auth/register/",
            {"national_id": person.national_id, "name": person.name, "password": "Gongji-2026!"},
            format="json",
        )
    # when
    response = client.post(reverse("register-confirm"), {"code": last_code(person=person)})
    # then
    assert response.status_code == 200 and "验证码错误或已失效" in html(response)
    person.refresh_from_db()
    assert person.user_id is None
