"""Staff see and change only their own regions' records in the admin; changes are audited."""

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import Employer, InsuredPerson, Region, RegionPolicy
from enrollment.models import Enrollment
from tests.factories import EmployerFactory, EnrollmentFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

STAFF_PERMISSIONS = [
    "accounts.view_employer",
    "accounts.change_employer",
    "accounts.view_regionpolicy",
    "accounts.change_regionpolicy",
    "accounts.view_insuredperson",
    "accounts.change_insuredperson",
    "enrollment.view_enrollment",
    "enrollment.change_enrollment",
]


@pytest.fixture
def xian_staff(client):
    user = StaffUserFactory(regions=["610100"], permissions=STAFF_PERMISSIONS)
    client.force_login(user)
    return user


def test_the_changelist_shows_only_the_staff_regions_records(client, xian_staff):
    mine = EmployerFactory(region_id="610100", name="西安甲公司")
    theirs = EmployerFactory(region_id="140100", name="太原乙公司")
    page = client.get(reverse("admin:accounts_employer_changelist")).content.decode()
    assert mine.name in page
    assert theirs.name not in page


def test_another_regions_record_cannot_be_opened_or_changed(client, xian_staff):
    theirs = EmployerFactory(region_id="140100", name="太原乙公司")
    url = reverse("admin:accounts_employer_change", args=[theirs.pk])
    assert client.get(url).status_code in (302, 404)
    client.post(url, {"code": theirs.code, "name": "被改名", "region": "140100"})
    theirs.refresh_from_db()
    assert theirs.name == "太原乙公司"


def test_another_regions_policy_cannot_be_changed(client, xian_staff):
    url = reverse("admin:accounts_regionpolicy_change", args=["140100"])
    assert client.get(url).status_code in (302, 404)
    own = reverse("admin:accounts_regionpolicy_change", args=["610100"])
    assert client.get(own).status_code == 200


def test_staff_cannot_move_a_record_into_another_region(client, xian_staff):
    mine = EmployerFactory(region_id="610100")
    url = reverse("admin:accounts_employer_change", args=[mine.pk])
    response = client.post(url, {"code": mine.code, "name": mine.name, "region": "140100"})
    assert response.status_code == 200  # form redisplayed with an error
    mine.refresh_from_db()
    assert mine.region_id == "610100"


def test_persons_are_visible_only_through_an_enrollment_in_the_region(client, xian_staff):
    mine = EnrollmentFactory(region_id="610100", person__name="西安参保人")
    theirs = EnrollmentFactory(region_id="140100", person__name="太原参保人")
    page = client.get(reverse("admin:accounts_insuredperson_changelist")).content.decode()
    assert mine.person.name in page
    assert theirs.person.name not in page
    enrollments = client.get(reverse("admin:enrollment_enrollment_changelist")).content.decode()
    assert "西安参保人" in enrollments and "太原参保人" not in enrollments


def test_national_ids_are_masked_for_staff_without_the_permission(client, xian_staff):
    enrollment = EnrollmentFactory(region_id="610100")
    national_id = enrollment.person.national_id
    page = client.get(reverse("admin:accounts_insuredperson_changelist")).content.decode()
    assert national_id not in page
    assert enrollment.person.masked_national_id in page
    change = client.get(
        reverse("admin:accounts_insuredperson_change", args=[enrollment.person.pk])
    ).content.decode()
    assert national_id not in change


def test_privileged_staff_see_the_full_id(client):
    user = StaffUserFactory(
        regions=["610100"],
        permissions=[*STAFF_PERMISSIONS, "accounts.view_full_national_id"],
    )
    client.force_login(user)
    enrollment = EnrollmentFactory(region_id="610100")
    page = client.get(reverse("admin:accounts_insuredperson_changelist")).content.decode()
    assert enrollment.person.national_id in page


def test_a_staff_change_is_audited_with_who_and_before_after(client, xian_staff):
    url = reverse("admin:accounts_regionpolicy_change", args=["610100"])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["credit_day"] = 15
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert RegionPolicy.objects.get(pk="610100").credit_day == 15
    entry = LogEntry.objects.get_for_object(RegionPolicy.objects.get(pk="610100")).latest(
        "timestamp"
    )
    assert entry.actor == xian_staff
    assert entry.changes_dict["credit_day"] == ["20", "15"]


def test_staff_cannot_manage_users(client, xian_staff):
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


# Issue #9 item 2: related-object fields, identity fields and logins.

TAIYUAN, XIAN = "140100", "610100"


@pytest.fixture
def taiyuan_staff(client):
    """Region staff holding every permission of the project's apps (the worst case)."""
    permissions = [
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(
            content_type__app_label__in=["accounts", "enrollment", "wallet"]
        ).select_related("content_type")
    ]
    user = StaffUserFactory(regions=[TAIYUAN], permissions=permissions)
    client.force_login(user)
    return user


@pytest.fixture
def two_regions():
    """Persons, employers and records in Taiyuan (the staff's) and Xi'an (not)."""
    mine = EnrollmentFactory(region=Region.objects.get(pk=TAIYUAN), person__name="太原参保人")
    theirs = EnrollmentFactory(region=Region.objects.get(pk=XIAN), person__name="西安参保人")
    return mine, theirs


def test_a_person_s_identity_is_read_only_for_region_staff(client, taiyuan_staff, two_regions):
    """Name, phone, retired flag, pension and login link change only through services."""
    # given a Taiyuan person with a login
    person = two_regions[0].person
    person.user = UserFactory()
    person.save()
    before = (person.name, person.phone, person.retired, person.pension, person.user_id)
    url = reverse("admin:accounts_insuredperson_change", args=[person.pk])
    # when staff post new values for every identity field
    response = client.post(
        url,
        {
            "name": "冒名",
            "phone": "13711112222",
            "retired": "on",
            "pension": "9999.00",
            "birth_date": "1950-01-01",
            "user": UserFactory().pk,
        },
    )
    # then nothing changed, and the page shows no input for them
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.phone, person.retired, person.pension, person.user_id) == before
    form = client.get(url).context["adminform"].form
    assert set(form.fields) == set()


def test_an_employer_s_identity_is_read_only_for_region_staff(client, taiyuan_staff):
    employer = EmployerFactory(
        region=Region.objects.get(pk=TAIYUAN), name="太原甲公司", contact_phone="0351-1"
    )
    url = reverse("admin:accounts_employer_change", args=[employer.pk])
    response = client.post(
        url,
        {
            "code": "91610100000000001X",
            "name": "改名",
            "region": TAIYUAN,
            "contact_phone": "13711112222",
            "user": UserFactory().pk,
        },
    )
    assert response.status_code == 302
    employer.refresh_from_db()
    assert (employer.name, employer.contact_phone, employer.user_id) == (
        "太原甲公司",
        "0351-1",
        None,
    )
    assert set(client.get(url).context["adminform"].form.fields) == {"region"}


def test_region_staff_cannot_add_persons_or_employers(client, taiyuan_staff):
    """A new record would carry identity typed by hand; persons and employers come from feeds."""
    assert client.get(reverse("admin:accounts_insuredperson_add")).status_code == 403
    assert client.get(reverse("admin:accounts_employer_add")).status_code == 403


def test_a_superuser_still_edits_identity(client, two_regions):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="STAFF"))
    person = two_regions[1].person
    url = reverse("admin:accounts_insuredperson_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    assert {"name", "phone", "retired", "user"} <= set(form.fields)
    login = UserFactory()
    response = client.post(
        url,
        {
            "national_id": person.national_id,
            "name": "核实姓名",
            "phone": "13711112222",
            "birth_date": person.birth_date.isoformat(),
            "pension": "",
            "user": login.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert (person.name, person.phone, person.user) == ("核实姓名", "13711112222", login)


def test_region_staff_cannot_change_logins_even_with_the_permission(client, taiyuan_staff):
    """Login links, passwords, staff flags and regions are managed by superusers only."""
    login = EnrollmentFactory(
        region=Region.objects.get(pk=TAIYUAN), person__with_user=True
    ).person.user
    url = reverse("admin:accounts_user_change", args=[login.pk])
    assert client.get(url).status_code == 403
    client.post(url, {"username": login.username, "is_staff": "on", "regions": [TAIYUAN]})
    login.refresh_from_db()
    assert not login.is_staff
    assert not login.regions.exists()
    popup = reverse("admin:accounts_user_changelist") + "?_to_field=id&_popup=1"
    assert client.get(popup).status_code == 403


def autocomplete(client, app_label, model_name, field_name, term=""):
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name"),
    [
        ("enrollment", "enrollment", "person"),
        ("enrollment", "enrollment", "employer"),
        ("enrollment", "enrollment", "region"),
        ("wallet", "familybinding", "member"),
        ("accounts", "employer", "region"),
    ],
)
def test_autocomplete_returns_only_in_region_objects(
    client, taiyuan_staff, two_regions, app_label, model_name, field_name
):
    mine, theirs = two_regions
    expected = {
        "person": (mine.person, theirs.person),
        "member": (mine.person, theirs.person),
        "employer": (mine.employer, theirs.employer),
        "region": (mine.region, theirs.region),
    }[field_name]
    response = autocomplete(client, app_label, model_name, field_name)
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert str(expected[0].pk) in ids
    assert str(expected[1].pk) not in ids


def test_autocomplete_of_logins_is_refused_to_region_staff(client, taiyuan_staff):
    assert autocomplete(client, "accounts", "insuredperson", "user").status_code == 403
    assert autocomplete(client, "accounts", "employer", "user").status_code == 403


@pytest.mark.parametrize("model_name", ["insuredperson", "employer", "enrollment"])
def test_raw_id_popups_list_only_in_region_objects(client, taiyuan_staff, two_regions, model_name):
    """The raw-id lookup is the changelist: scoped like it."""
    app_label = "enrollment" if model_name == "enrollment" else "accounts"
    url = reverse(f"admin:{app_label}_{model_name}_changelist") + "?_to_field=id&_popup=1"
    mine, theirs = two_regions
    shown = client.get(url).context["cl"].result_list
    owner = {"insuredperson": "person", "employer": "employer", "enrollment": None}[model_name]
    mine_obj, theirs_obj = (getattr(mine, owner), getattr(theirs, owner)) if owner else two_regions
    assert mine_obj in shown
    assert theirs_obj not in shown


def test_every_admin_form_offers_only_in_region_objects(rf, taiyuan_staff, two_regions):
    """Every related-object field of every admin form and inline (add and change) offers
    region staff nothing of another region, and no logins at all."""
    mine, theirs = two_regions
    foreign = {
        InsuredPerson: theirs.person.pk,
        Employer: theirs.employer.pk,
        Region: XIAN,
        Enrollment: theirs.pk,
    }
    request = rf.get("/admin/")
    request.user = taiyuan_staff
    checked = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("accounts", "enrollment", "wallet"):
            continue
        obj = model_admin.get_queryset(request).first()
        if not (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request, obj)
        ):
            continue  # no form reachable (superuser-only or read-only admins)
        forms = [model_admin.get_form(request, obj)]
        forms += [
            formset.form for formset, _inline in model_admin.get_formsets_with_inlines(request, obj)
        ]
        for form in forms:
            for name, field in form.base_fields.items():
                if not hasattr(field, "queryset"):
                    continue
                related = field.queryset.model
                checked.append(f"{model._meta.label}.{name}")
                if related in foreign:
                    assert not field.queryset.filter(pk=foreign[related]).exists(), checked[-1]
                    assert field.queryset.exists(), checked[-1]
                else:
                    assert not field.queryset.exists(), checked[-1]
    assert "enrollment.Enrollment.person" in checked
    assert "accounts.Employer.region" in checked


def test_region_staff_cannot_mint_or_see_api_tokens_even_with_the_permission(client):
    """A token for a person's login is that person's account: superusers only."""
    login = EnrollmentFactory(
        region=Region.objects.get(pk=TAIYUAN), person__with_user=True
    ).person.user
    staff = StaffUserFactory(
        regions=[TAIYUAN],
        permissions=["authtoken.add_tokenproxy", "authtoken.view_tokenproxy"],
    )
    client.force_login(staff)
    response = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": login.pk})
    assert response.status_code == 403
    assert not Token.objects.filter(user=login).exists()
    assert client.get(reverse("admin:authtoken_tokenproxy_changelist")).status_code == 403


@pytest.mark.parametrize(
    "label",
    [
        "auth.Group",
        "auditlog.LogEntry",
        "axes.AccessAttempt",
        "django_celery_beat.PeriodicTask",
        "otp_totp.TOTPDevice",
        "otp_static.StaticDevice",
    ],
)
def test_records_of_no_region_are_for_superusers_only_whatever_staff_hold(client, label):
    """Groups, the admin change history, sign-in logs, schedules and second-factor devices
    span every region: staff holding every permission on them still cannot open them."""
    # given Xi'an staff holding every permission on the model
    model = apps.get_model(label)
    opts = model._meta
    permissions = [
        f"{opts.app_label}.{action}_{opts.model_name}"
        for action in ("view", "add", "change", "delete")
    ]
    client.force_login(StaffUserFactory(regions=["610100"], permissions=permissions))
    # when / then
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 403
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
