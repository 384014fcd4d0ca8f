"""Writes for the core app: registration, service tokens, employer feed."""

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import Employer, InsuredPerson, User
from accounts.services.api_tokens import api_token_issue


def _registration_check(*, owner, username: str, password: str, name: str, field: str) -> None:
    if owner is None or owner.name != name:
        # One message for "unknown" and "wrong name": registration must not reveal who is insured.
        raise BusinessRuleViolation(
            _("实名信息不匹配：系统中没有该证件号码与姓名一致的记录。"),
            field=field,
            status_code=400,
        )
    if owner.user_id is not None or User.objects.filter(username=username).exists():
        raise BusinessRuleViolation(_("该账号已注册，请直接登录。"), field=field)
    try:
        validate_password(password, user=User(username=username, first_name=name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def person_user_register(*, national_id: str, name: str, phone: str, password: str) -> User:
    """实名注册: only a person the system already knows, with the same name."""
    person = InsuredPerson.objects.select_for_update().filter(national_id=national_id).first()
    _registration_check(
        owner=person, username=national_id, password=password, name=name, field="national_id"
    )
    user = User.objects.create_user(
        username=national_id, password=password, first_name=name, kind=User.Kind.PERSON
    )
    person.user = user
    person.phone = phone
    person.save(update_fields=["user", "phone", "updated_at"])
    return user


@transaction.atomic
def employer_user_register(*, employer_code: str, name: str, phone: str, password: str) -> User:
    employer = Employer.objects.select_for_update().filter(code=employer_code).first()
    _registration_check(
        owner=employer,
        username=employer_code,
        password=password,
        name=name,
        field="employer_code",
    )
    user = User.objects.create_user(
        username=employer_code, password=password, first_name=name, kind=User.Kind.EMPLOYER
    )
    employer.user = user
    employer.contact_phone = phone
    employer.save(update_fields=["user", "contact_phone", "updated_at"])
    return user


@transaction.atomic
def service_token_create(*, name: str) -> str:
    """A machine user (tax department, hospitals) with feed rights; returns its API token."""
    user, created = User.objects.get_or_create(username=name, defaults={"kind": User.Kind.SERVICE})
    if not created and user.kind != User.Kind.SERVICE:
        raise BusinessRuleViolation(_("用户名 %(name)s 已被非对接系统账号使用。") % {"name": name})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.user_permissions.add(
        Permission.objects.get(codename="submit_feed", content_type__app_label="accounts")
    )
    # An expired service token is replaced (api_tokens.token_lifetime); a valid one is kept.
    return api_token_issue(user=user).key


@transaction.atomic
def employers_feed_apply(*, rows: Iterable[dict]) -> dict[str, int]:
    """Upsert employers by credit code; rows were validated as a whole beforehand."""
    rows = list(rows)
    existing = Employer.objects.in_bulk([r["code"] for r in rows], field_name="code")
    to_create, to_update = [], []
    now = timezone.now()
    for row in rows:
        employer = existing.get(row["code"])
        if employer is None:
            to_create.append(Employer(code=row["code"], name=row["name"], region=row["region"]))
        elif employer.name != row["name"] or employer.region_id != row["region"].code:
            employer.name, employer.region, employer.updated_at = row["name"], row["region"], now
            to_update.append(employer)
    Employer.objects.bulk_create(to_create, batch_size=1000)
    Employer.objects.bulk_update(to_update, ["name", "region", "updated_at"], batch_size=1000)
    unchanged = len(rows) - len(to_create) - len(to_update)
    return {"created": len(to_create), "updated": len(to_update), "unchanged": unchanged}
