"""Writes for the core app: registration (a code to the phone on file), the employer feed."""

from collections.abc import Iterable

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import hooks
from accounts.errors import BusinessRuleViolation
from accounts.messaging import message_send_on_commit
from accounts.models import Employer, InsuredPerson, Notification, User
from accounts.services.notifications import notification_send

from .verification import (
    CODE_TTL,
    Purpose,
    pending_verification_locked,
    verification_code_accept,
    verification_code_issue,
)

# One answer for every request: it must not tell whether an ID and a name match a person.
NO_CODE_HINT = gettext_lazy(
    "如信息与参保登记一致，验证码已发送至您在参保登记中预留的手机号。"
    "如未收到验证码（例如未预留手机号），请携带身份证件到经办窗口办理注册。"
)
CODE_REFUSED = gettext_lazy(
    "验证码错误或已失效，请重新获取。如曾重复提交注册，请同时填写注册时设置的密码。"
    "如始终未收到验证码，请携带身份证件到经办窗口办理注册。"
)


def _password_check(*, password: str, username: str, name: str) -> None:
    """Refusals name the password only: they say nothing about the person."""
    try:
        validate_password(password, user=User(username=username, first_name=name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _registrable(owner, *, username: str, name: str, phone: str) -> bool:
    return (
        owner is not None
        and owner.name == name
        and owner.user_id is None
        and bool(phone)
        and not User.objects.filter(username=username).exists()
    )


def _code_body(code: str) -> str:
    return _(
        "【医保服务门户】注册验证码 %(code)s，%(minutes)d 分钟内有效。"
        "如非本人操作，请勿告诉他人，您的账号不会被注册。"
    ) % {"code": code, "minutes": CODE_TTL.seconds // 60}


def person_registration_request(
    *, national_id: str, name: str, password: str, client_key: str = ""
) -> None:
    """实名注册, step 1: a code to the phone on file when the ID and the name match a person
    without a login; nothing at all otherwise (unknown, wrong name, registered, no phone, or
    today's codes used up). The caller answers the same either way. `client_key` (the
    portal's session) must come back with the code.

    Refusal: ValidationError on `password` (too weak).
    """
    _password_check(password=password, username=national_id, name=name)
    hashed = make_password(password)  # for everyone, so the time taken tells nothing either
    with transaction.atomic():
        person = InsuredPerson.objects.select_for_update().filter(national_id=national_id).first()
        if not _registrable(person, username=national_id, name=name, phone=person and person.phone):
            return
        code = verification_code_issue(
            purpose=Purpose.REGISTRATION, person=person, password=hashed, client_key=client_key
        )
        if code is not None:
            message_send_on_commit(
                person=person, phone=person.phone, body=_code_body(code), reference="register"
            )


def employer_registration_request(*, employer_code: str, name: str, password: str) -> None:
    """Step 1 for an employer: the code goes to its contact phone on file (the feed's).

    Refusal: ValidationError on `password`.
    """
    _password_check(password=password, username=employer_code, name=name)
    hashed = make_password(password)  # for everyone, so the time taken tells nothing either
    with transaction.atomic():
        employer = Employer.objects.select_for_update().filter(code=employer_code).first()
        phone = employer and employer.contact_phone
        if not _registrable(employer, username=employer_code, name=name, phone=phone):
            return
        code = verification_code_issue(
            purpose=Purpose.REGISTRATION, employer=employer, password=hashed
        )
        if code is not None:
            message_send_on_commit(
                employer=employer, phone=phone, body=_code_body(code), reference="register"
            )


def _requester_proven(pending, *, client_key: str, password: str | None) -> bool:
    """A contested request (asked again while a code was live: maybe by someone else) is
    confirmed only by the client that asked (the portal's session) or with its password, so
    a code sent for another's request cannot set that other's password."""
    if pending is None or not pending.contested or client_key:
        return True
    return bool(password) and check_password(password, pending.password)


def _confirm(
    owner,
    *,
    code: str,
    username: str,
    kind: str,
    client_key: str = "",
    password: str | None = None,
) -> User:
    with transaction.atomic():
        pending = None
        if owner is not None:
            owner = type(owner).objects.select_for_update().get(pk=owner.pk)
            key = "person" if kind == User.Kind.PERSON else "employer"
            pending = pending_verification_locked(purpose=Purpose.REGISTRATION, **{key: owner})
        accepted = _requester_proven(
            pending, client_key=client_key, password=password
        ) and verification_code_accept(pending=pending, code=code, client_key=client_key)
        if (
            accepted
            and owner.user_id is None
            and not User.objects.filter(username=username).exists()
        ):
            user = User(
                username=username, first_name=owner.name, kind=kind, password=pending.password
            )
            user.save()
            owner.user = user
            owner.save(update_fields=["user", "updated_at"])
            pending.password = ""
            pending.save(update_fields=["password"])
            # Told on the phone on file, so a registration someone else finished is noticed.
            notification_send(
                recipient=owner,
                kind=Notification.Kind.ACCOUNT,
                text=_(
                    "【医保服务门户】您已完成实名注册，可以登录。"
                    "如非本人操作，请立即携带身份证件到经办窗口处理。"
                ),
                reference="registered",
            )
            return user
    # After the block: a wrong try stays counted.
    raise BusinessRuleViolation(CODE_REFUSED, field="code", status_code=400)


def person_registration_confirm(
    *, national_id: str, code: str, client_key: str = "", password: str | None = None
) -> User:
    """实名注册, step 2: the code from the phone on file creates the login (the password given
    in step 1). Refusal (400, one message for every cause): no request, wrong or expired
    code, too many wrong tries, another client's request, already registered, a contested
    request confirmed without its password."""
    person = InsuredPerson.objects.filter(national_id=national_id).first()
    return _confirm(
        person,
        code=code,
        username=national_id,
        kind=User.Kind.PERSON,
        client_key=client_key,
        password=password,
    )


def employer_registration_confirm(
    *, employer_code: str, code: str, password: str | None = None
) -> User:
    """Step 2 for an employer; refusals as for persons."""
    employer = Employer.objects.filter(code=employer_code).first()
    return _confirm(
        employer, code=code, username=employer_code, kind=User.Kind.EMPLOYER, password=password
    )


def employers_feed_check(*, rows: list[dict]) -> dict[int, dict[str, list[str]]]:
    """Row errors of the employer feed: a move to another region while employees are still
    enrolled in the old one (they stop or transfer first)."""
    existing = Employer.objects.in_bulk([row["code"] for row in rows], field_name="code")
    moving = {
        index: existing[row["code"]]
        for index, row in enumerate(rows)
        if row["code"] in existing and existing[row["code"]].region_id != row["region"].code
    }
    enrolled = hooks.employees_enrolled_in_old_region(
        moves={employer.pk: employer.region_id for employer in moving.values()}
    )
    return {
        index: {
            "region": [
                _(
                    "参保单位仍有 %(count)d 名职工在统筹区 %(region)s 参保，"
                    "须先办理停保或转移接续，才能变更参保单位的统筹区。"
                )
                % {"count": enrolled[employer.pk], "region": employer.region_id}
            ]
        }
        for index, employer in moving.items()
        if enrolled.get(employer.pk)
    }


@transaction.atomic
def employers_feed_apply(*, rows: Iterable[dict]) -> dict[str, int]:
    """Upsert employers by credit code; rows were validated as a whole beforehand.

    A row's `phone` (the contact that registration codes go to) replaces the one on file; a row
    without one keeps it.
    """
    rows = list(rows)
    existing = Employer.objects.in_bulk([r["code"] for r in rows], field_name="code")
    to_create, to_update = [], []
    now = timezone.now()
    for row in rows:
        employer = existing.get(row["code"])
        if employer is None:
            to_create.append(
                Employer(
                    code=row["code"],
                    name=row["name"],
                    region=row["region"],
                    contact_phone=row.get("phone") or "",
                )
            )
            continue
        values = {
            "name": row["name"],
            "region": row["region"],
            "contact_phone": row.get("phone") or employer.contact_phone,
        }
        if any(getattr(employer, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(employer, field, value)
            employer.updated_at = now
            to_update.append(employer)
    Employer.objects.bulk_create(to_create, batch_size=1000)
    Employer.objects.bulk_update(
        to_update, ["name", "region", "contact_phone", "updated_at"], batch_size=1000
    )
    unchanged = len(rows) - len(to_create) - len(to_update)
    return {"created": len(to_create), "updated": len(to_update), "unchanged": unchanged}
