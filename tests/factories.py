"""factory_boy factories for every model the tests need."""

import datetime as dt

import factory
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.identity import credit_code_check_char, national_id_check_char
from accounts.models import Employer, InsuredPerson, Region, User
from accounts.services.person_regions import person_region_link
from accounts.services.personal_accounts import personal_account_open
from enrollment.models import Enrollment, EnrollmentStatus, Scheme

TEST_PASSWORD = "Yibao-test-2026"


def make_national_id(n: int, *, prefix: str = "610102", birth: dt.date | None = None) -> str:
    """A valid 18-character ID, distinct for each n."""
    birth = birth or dt.date(1960, 1, 1) + dt.timedelta(days=n // 1000 % 20000)
    body = f"{prefix}{birth:%Y%m%d}{n % 1000:03d}"
    return body + national_id_check_char(body)


def make_credit_code(n: int, *, region: str = "610100") -> str:
    body = f"91{region}{n:09d}"
    return body + credit_code_check_char(body)


def employee_account(person: InsuredPerson, region_code: str = "610100", **kwargs):
    """The personal account the enrollment feed opens for an employee/flexible record: only
    then may contributions arrive for the person in that region."""
    return personal_account_open(person=person, region=region(region_code), **kwargs)


def region(code: str = "610100") -> Region:
    """Regions come from the data migration; factories only look them up."""
    return Region.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(TEST_PASSWORD)
    kind = User.Kind.PERSON


class StaffUserFactory(UserFactory):
    kind = User.Kind.STAFF
    is_staff = True

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        if create and extracted:
            for label in extracted:
                app_label, codename = label.split(".")
                self.user_permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )


class ServiceUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"service{n}")
    kind = User.Kind.SERVICE

    @factory.post_generation
    def feed_permission(self, create, extracted, **kwargs):
        if create:
            self.user_permissions.add(
                Permission.objects.get(content_type__app_label="accounts", codename="submit_feed")
            )


class InsuredPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsuredPerson

    national_id = factory.Sequence(lambda n: make_national_id(n + 1))
    name = factory.Sequence(lambda n: f"参保人{n}")
    phone = "13800000000"
    birth_date = factory.LazyAttribute(
        lambda o: dt.date(
            int(o.national_id[6:10]), int(o.national_id[10:12]), int(o.national_id[12:14])
        )
    )
    retired = False

    class Params:
        with_user = factory.Trait(
            user=factory.SubFactory(
                UserFactory,
                username=factory.SelfAttribute("..national_id"),
                first_name=factory.SelfAttribute("..name"),
            )
        )


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    code = factory.Sequence(lambda n: make_credit_code(n + 1))
    name = factory.Sequence(lambda n: f"测试单位{n}有限公司")
    region = factory.LazyFunction(lambda: region("610100"))


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    person = factory.SubFactory(InsuredPersonFactory)
    region = factory.LazyFunction(lambda: region("610100"))
    scheme = Scheme.EMPLOYEE
    employer = factory.LazyAttribute(
        lambda o: EmployerFactory(region=o.region) if o.scheme == Scheme.EMPLOYEE else None
    )
    status = EnrollmentStatus.ACTIVE
    registered_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=400))
    last_paid_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=20))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        enrollment = super()._create(model_class, *args, **kwargs)
        # As every path that enrolls someone: the core knows the person in that region.
        person_region_link(person=enrollment.person, region=enrollment.region)
        return enrollment
