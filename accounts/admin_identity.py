"""Staff change a person's identity fields (phone, name, retired) only through the services,
with a reason, from buttons on the person's page; the audit rows and the outbox are shown
read-only. Staff reach only persons of their regions (the person admin's scoped queryset)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from .admin_scoping import SuperuserReadOnlyAdmin
from .errors import BusinessRuleViolation
from .identity import validate_date_in_range
from .messaging import validate_mobile_phone
from .models import AuditEvent, Notification
from .services import identity


class _ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("变更原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：本人持身份证件到窗口核实。记录在案。"),
    )


class PhoneForm(_ReasonForm):
    phone = forms.CharField(label=_("新手机号（已核实）"), validators=[validate_mobile_phone])
    field_order = ["phone", "reason"]


class NameForm(_ReasonForm):
    name = forms.CharField(label=_("正确姓名"), max_length=50)
    field_order = ["name", "reason"]


class RetiredForm(_ReasonForm):
    retired = forms.TypedChoiceField(
        label=_("退休状态"),
        choices=[("1", _("退休")), ("0", _("在职"))],
        coerce=lambda value: value == "1",
    )
    retired_at = forms.DateField(
        label=_("退休日期"),
        required=False,
        validators=[validate_date_in_range],
        help_text=_("退休人员从次月起按退休人员划入；不填为今天。改为在职时不填。"),
    )
    field_order = ["retired", "retired_at", "reason"]


# The identity changes' audit actions, by the names staff know them by.
IDENTITY_ACTIONS = {
    "phone_change": _("本人变更手机号"),
    "phone_set_by_staff": _("经办人员变更手机号"),
    "employer.phone_set_by_staff": _("经办人员变更联系电话"),
    "name_correct": _("更正姓名"),
    "retired_set": _("变更退休状态"),
}


class IdentityAdminMixin:
    """Adds /<id>/identity/<field>/ to an admin (buttons on the change page): each field in
    `identity_changes` (field → form, service, page title) changes through its service with
    a reason."""

    identity_changes: dict = {}
    # The keyword the services take the record by (person=…, employer=…).
    identity_subject: str = ""

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/identity/<str:field>/",
                self.admin_site.admin_view(self.identity_change_view),
                name=f"{opts.app_label}_{opts.model_name}_identity",
            ),
            *super().get_urls(),
        ]

    def identity_change_view(self, request, object_id: str, field: str):
        if field not in self.identity_changes:
            raise Http404
        # The scoped queryset: another region's record is not found.
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        opts = self.model._meta
        if not request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            raise PermissionDenied
        form_class, service, title = self.identity_changes[field]
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                service(**{self.identity_subject: obj}, actor=request.user, **data)
            except BusinessRuleViolation as exc:
                form.add_error(field if exc.field == field else "reason", exc.message)
            else:
                self.message_user(request, _("已变更并记录在案。"), messages.SUCCESS)
                return redirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": title,
            "original": obj,
            "form": form,
            "history": [
                (event, IDENTITY_ACTIONS.get(event.action, event.action))
                for event in AuditEvent.objects.filter(
                    object_type=opts.label_lower, object_id=obj.pk
                ).select_related("actor")[:20]
            ],
        }
        return TemplateResponse(request, "admin/accounts/identity.html", context)


class PersonIdentityAdminMixin(IdentityAdminMixin):
    identity_subject = "person"
    identity_changes = {
        "phone": (PhoneForm, identity.person_phone_set_by_staff, _("设置已核实的手机号")),
        "name": (NameForm, identity.person_name_correct, _("更正姓名")),
        "retired": (RetiredForm, identity.person_retired_set, _("变更退休状态")),
    }


class EmployerIdentityAdminMixin(IdentityAdminMixin):
    identity_subject = "employer"
    identity_changes = {
        "phone": (PhoneForm, identity.employer_phone_set_by_staff, _("设置已核实的联系电话")),
    }


@admin.register(AuditEvent)
class AuditEventAdmin(SuperuserReadOnlyAdmin):
    """Every audited state change; staff see a person's on that person's change pages."""

    list_display = ("created_at", "action", "object_type", "object_id", "actor", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "reason")
    list_select_related = ("actor",)


@admin.register(Notification)
class NotificationAdmin(SuperuserReadOnlyAdmin):
    """Notices and the messages stored by the default sender (codes among them): superusers
    only."""

    list_display = ("created_at", "kind", "person", "employer", "phone", "reference", "read_at")
    list_filter = ("kind", "in_outbox")
    list_select_related = ("person", "employer")
