"""Service users: the tokens of connected systems, each limited to its scopes."""

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import DesignatedInstitution, Region, User
from accounts.services.api_tokens import api_token_issue

# scope → the accounts permission that grants it (checked by accounts.permissions)
SCOPES = {"feed": "submit_feed", "settlement": "settle_payments"}


def _scope_permissions(scopes) -> list[Permission]:
    codenames = [SCOPES[scope] for scope in scopes]
    return list(
        Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
    )


def _institution_for_settlement(
    *, user: User, code: str, name: str, region: Region | None
) -> DesignatedInstitution:
    if not code:
        raise BusinessRuleViolation(
            _("结算权限需要指定定点医药机构编码。"), field="institution_code"
        )
    institution = DesignatedInstitution.objects.select_for_update().filter(code=code).first()
    if institution is None:
        if not name or region is None:
            raise BusinessRuleViolation(
                _("新的定点医药机构 %(code)s 需要机构名称和所在统筹区。") % {"code": code},
                field="institution_name",
            )
        institution = DesignatedInstitution(code=code, name=name, region=region)
        try:
            institution.full_clean(exclude=["service_user"])
        except ValidationError as exc:
            raise BusinessRuleViolation("; ".join(exc.messages), field="institution_code") from exc
    elif institution.service_user_id not in (None, user.pk):
        raise BusinessRuleViolation(
            _("定点医药机构 %(code)s 已绑定另一个结算服务账号。") % {"code": code},
            field="institution_code",
        )
    existing = DesignatedInstitution.objects.filter(service_user=user).exclude(code=code).first()
    if existing is not None:
        raise BusinessRuleViolation(
            _("服务账号已绑定定点医药机构 %(code)s。") % {"code": existing.code},
            field="institution_code",
        )
    institution.service_user = user
    institution.save()
    return institution


@transaction.atomic
def service_token_create(
    *,
    name: str,
    scopes: tuple[str, ...] = ("feed",),
    institution_code: str = "",
    institution_name: str = "",
    institution_region: Region | None = None,
) -> str:
    """A machine user with exactly the given scopes; returns its API token.

    `settlement` binds the user to one designated institution (created if new: name and
    region needed). Refused: an unknown scope; a username of a non-service, staff or superuser
    account; an institution bound to another service user.
    """
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise BusinessRuleViolation(
            _("未知的权限范围：%(scopes)s（可用：feed、settlement）。")
            % {"scopes": ", ".join(unknown) or "—"},
            field="scope",
        )
    user, created = User.objects.get_or_create(username=name, defaults={"kind": User.Kind.SERVICE})
    if user.kind != User.Kind.SERVICE or user.is_staff or user.is_superuser:
        raise BusinessRuleViolation(_("用户名 %(name)s 已被非对接系统账号使用。") % {"name": name})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if "settlement" in scopes:
        _institution_for_settlement(
            user=user, code=institution_code, name=institution_name, region=institution_region
        )
    # Exactly the scopes asked for: running the command again narrows a token too.
    user.user_permissions.remove(*_scope_permissions(SCOPES))
    user.user_permissions.add(*_scope_permissions(scopes))
    # An expired service token is replaced (api_tokens.token_lifetime); a valid one is kept.
    return api_token_issue(user=user).key
