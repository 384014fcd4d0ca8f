"""Staff of both regions in the admin: 转出地 acts on the transfer-out step, 转入地 on the
transfer-in step; both see an application once it concerns them, other regions nothing
(list, change page, actions, file downloads)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.admin_display import yuan_column
from accounts.admin_scoping import ReadOnlyAdminMixin, RegionScopedAdmin
from accounts.errors import BusinessRuleViolation
from accounts.permissions import staff_sides
from accounts.uploads import private_file_response

from . import selectors, services
from .admin_filters import WaitingForMeFilter
from .certificate import certificate_pdf
from .models import TransferApplication, TransferEvent, TransferStatus
from .selectors import Urgency

ACT_PERMISSION = "transfers.change_transferapplication"


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("不予办理原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransferEventInline(admin.TabularInline):
    model = TransferEvent
    extra = 0
    fields = ("status", "at", "by_label", "by", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TransferApplication)
class TransferApplicationAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    region_paths = ("from_region", "to_region")
    # What to do and by when first; the regions and the rest after.
    list_display = (
        "id",
        "person",
        "due_marker",
        "wait_reason",
        "status",
        "from_region",
        "to_region",
        "scheme",
        "submitted_at",
    )
    list_filter = (WaitingForMeFilter, "status", "scheme")
    list_select_related = ("person", "from_region", "to_region")
    search_fields = ("=person__national_id", "person__name", "=certificate_number")
    fields = (
        "person",
        "from_region",
        "to_region",
        "scheme",
        "status",
        "wait_reason",
        "submitted_at",
        "out_due",
        "complete_due",
        "files",
        "certificate_number",
        "certificate_issued_on",
        "transit_amount",
        "reject_reason",
        "out_approved_at",
        "finished_at",
    )
    readonly_fields = fields
    inlines = [TransferEventInline]
    actions = ["approve_out", "accept_in", "reject"]
    change_form_template = "transfers/admin/change_form.html"

    def get_queryset(self, request):
        queryset = selectors.applications_for_staff(user=request.user)
        return selectors.with_urgency(queryset).select_related("person", "from_region", "to_region")

    class Media:
        css = {"all": ("css/admin_transfers.css",)}

    def get_ordering(self, request):
        # Overdue first, then due within 2 working days, then the rest; earliest due first.
        return ["urgency", "current_due", "-submitted_at"]

    def has_act_permission(self, request):
        return request.user.has_perm(ACT_PERMISSION)

    @admin.display(description=_("期限"), ordering="urgency")
    def due_marker(self, obj):
        if obj.urgency == Urgency.OVERDUE:
            return format_html(
                '<strong class="due-overdue">⚠ {} {}</strong>', gettext("已逾期"), obj.current_due
            )
        if obj.urgency == Urgency.DUE_SOON:
            return format_html(
                '<strong class="due-soon">{} {}</strong>', gettext("即将到期"), obj.current_due
            )
        return obj.current_due or "—"

    @admin.display(description=_("为何等待"))
    def wait_reason(self, obj):
        return selectors.application_wait_reason(obj) or "—"

    @admin.display(description=_("身份证正反面与凭证"))
    def files(self, obj):
        links = [
            (reverse("admin:transfers_transferapplication_file", args=[obj.pk, "id_front"]), gettext("人像面")),
            (reverse("admin:transfers_transferapplication_file", args=[obj.pk, "id_back"]), gettext("国徽面")),
        ]  # fmt: skip
        if obj.certificate_number:
            links.append(
                (
                    reverse("admin:transfers_transferapplication_certificate", args=[obj.pk]),
                    gettext("《参保凭证》"),
                )
            )
        return format_html(
            " · ".join(['<a href="{}">{}</a>'] * len(links)), *[v for link in links for v in link]
        )

    transit_amount = yuan_column("transit_fen", _("在途金额（元）"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/step/<str:step>/",
                view(require_POST(self.step_view)),
                name="transfers_transferapplication_step",
            ),
            path(
                "<int:pk>/reject/",
                view(self.reject_view),
                name="transfers_transferapplication_reject",
            ),
            path(
                "<int:pk>/file/<str:which>/",
                view(self.file_view),
                name="transfers_transferapplication_file",
            ),
            path(
                "<int:pk>/certificate/",
                view(self.certificate_view),
                name="transfers_transferapplication_certificate",
            ),
            *super().get_urls(),
        ]

    def _visible(self, request, pk: int) -> TransferApplication:
        """The application if this staff user may see it; others' a 404, as if not there."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def _change_url(self, application) -> str:
        return reverse("admin:transfers_transferapplication_change", args=[application.pk])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            sides = staff_sides(
                user=request.user, sides={"out": obj.from_region_id, "in": obj.to_region_id}
            )
            may_act = self.has_act_permission(request)
            context["transfer_buttons"] = {
                "out": may_act and "out" in sides and obj.status == TransferStatus.SUBMITTED,
                "in": may_act and "in" in sides and obj.status == TransferStatus.OUT_APPROVED,
                "reject": may_act
                and (
                    ("out" in sides and obj.status == TransferStatus.SUBMITTED)
                    or ("in" in sides and obj.status == TransferStatus.OUT_APPROVED)
                ),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _run(self, request, application, step: str) -> bool:
        act = {"out": services.transfer_out_approve, "in": services.transfer_in_accept}[step]
        try:
            act(application_id=application.pk, by=request.user)
        except BusinessRuleViolation as exc:
            self.message_user(request, f"#{application.pk}：{exc.message}", level=messages.ERROR)
            return False
        return True

    def step_view(self, request, pk: int, step: str):
        """The change page's 转出审核通过 / 转入接收 button."""
        if step not in ("out", "in") or not self.has_act_permission(request):
            raise PermissionDenied
        application = self._visible(request, pk)
        if self._run(request, application, step):
            self.message_user(request, gettext("已办理：%(app)s。") % {"app": application})
        return HttpResponseRedirect(self._change_url(application))

    def _bulk(self, request, queryset, step: str) -> None:
        done = sum(self._run(request, application, step) for application in queryset)
        if done:
            self.message_user(request, gettext("已办理 %(count)d 件。") % {"count": done})

    @admin.action(description=_("转出审核通过（开具《参保凭证》）"), permissions=["act"])
    def approve_out(self, request, queryset):
        self._bulk(request, queryset, "out")

    @admin.action(description=_("转入接收（资金划入新参保地个人账户）"), permissions=["act"])
    def accept_in(self, request, queryset):
        self._bulk(request, queryset, "in")

    @admin.action(description=_("不予办理（填写原因）"), permissions=["act"])
    def reject(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, gettext("请只选择一件申请。"), level=messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse("admin:transfers_transferapplication_reject", args=[queryset.get().pk])
        )

    def reject_view(self, request, pk: int):
        if not self.has_act_permission(request):
            raise PermissionDenied
        application = self._visible(request, pk)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.transfer_reject(
                    application_id=application.pk,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except BusinessRuleViolation as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, gettext("已不予办理：%(app)s。") % {"app": application})
                return HttpResponseRedirect(self._change_url(application))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("不予办理转移接续"),
            "opts": self.model._meta,
            "application": application,
            "form": form,
        }
        return TemplateResponse(request, "transfers/admin/reject.html", context)

    def file_view(self, request, pk: int, which: str):
        """Both sides of the ID card, only to staff who may see the application."""
        application = self._visible(request, pk)
        if which not in ("id_front", "id_back"):
            raise PermissionDenied
        stored = getattr(application, which)
        content_type = getattr(application, f"{which}_type")
        extension = stored.name.rsplit(".", 1)[-1]
        return private_file_response(
            name=stored.name,
            filename=f"transfer-{application.pk}-{which}.{extension}",
            content_type=content_type,
        )

    def certificate_view(self, request, pk: int):
        application = self._visible(request, pk)
        if not application.certificate_number:
            raise PermissionDenied
        response = HttpResponse(certificate_pdf(application), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="certificate-{application.pk}.pdf"'
        return response
