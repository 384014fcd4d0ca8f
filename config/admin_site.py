"""The admin site: staff sign in with a password and a TOTP second factor (django-otp).

With `ADMIN_REQUIRE_OTP` on, only a session verified by the staff user's authenticator (or a
recovery code) passes `has_permission`. A staff user without an authenticator signs in with
the password once and is sent to the set-up page, which confirms the authenticator with a
first code and shows the recovery codes once.

The site is named after the agency (`AGENCY_NAME`: "西安市医疗保障局 经办工作台"), and its start
page is the staff workbench: what waits for the staff member's regions, from the sources the
apps register in `accounts.workbench`.
"""

import base64
import io

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.qr import write_qrcode_image

from accounts.errors import BusinessRuleViolation
from accounts.permissions import staff_regions
from accounts.services import second_factor
from accounts.workbench import waiting_work


class OTPAdminAuthenticationForm(AdminAuthenticationForm):
    """Username, password and the authenticator's code (or a recovery code)."""

    otp_token = forms.CharField(
        label=gettext_lazy("动态验证码"),
        required=False,
        max_length=16,
        help_text=gettext_lazy("身份验证器 App 上的 6 位数字；手机不在身边时可填一个恢复码。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None:
            return cleaned
        token = cleaned.get("otp_token", "")
        user.otp_device = None
        if second_factor.has_authenticator(user=user):
            if token:
                try:
                    user.otp_device = second_factor.token_verify(user=user, token=token)
                except BusinessRuleViolation as exc:
                    raise forms.ValidationError(exc.message, code="invalid_token") from exc
            elif settings.ADMIN_REQUIRE_OTP:
                raise forms.ValidationError(_("请输入动态验证码。"), code="token_required")
        return cleaned


class PortalAdminSite(admin.AdminSite):
    login_form = OTPAdminAuthenticationForm
    login_template = "admin/otp_login.html"
    # The start page is the workbench: what waits for the staff member's regions.
    index_template = "admin/workbench_index.html"
    index_title = gettext_lazy("待办事项")

    @property
    def site_header(self):
        agency = settings.AGENCY_NAME or _("医疗保障局")
        return _("%(agency)s 经办工作台") % {"agency": agency}

    @property
    def site_title(self):
        return self.site_header

    def index(self, request, extra_context=None):
        extra_context = {
            "workbench": waiting_work(user=request.user),
            "workbench_regions": list(staff_regions(user=request.user).order_by("code"))
            if not request.user.is_superuser
            else None,
            **(extra_context or {}),
        }
        return super().index(request, extra_context)

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        # is_verified comes from django_otp's OTPMiddleware; a request without it is unverified.
        is_verified = getattr(request.user, "is_verified", None)
        return not settings.ADMIN_REQUIRE_OTP or bool(is_verified and is_verified())

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        if request.method == "GET" and _needs_setup(request):
            return redirect("admin:otp-setup")
        return super().login(request, extra_context)

    def get_urls(self):
        return [
            path("otp/setup/", self.otp_setup_view, name="otp-setup"),
            path(
                "otp/recovery-codes/",
                self.admin_view(self.recovery_codes_view),
                name="otp-recovery-codes",
            ),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    def otp_setup_view(self, request):
        """First sign-in of a staff user without an authenticator: QR code, first code,
        then the recovery codes, shown this once."""
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return redirect(f"{reverse('admin:login')}?{REDIRECT_FIELD_NAME}={request.path}")
        if second_factor.has_authenticator(user=user):
            return redirect("admin:index")
        device = second_factor.authenticator_pending(user=user)
        error = ""
        if request.method == "POST":
            try:
                codes = second_factor.authenticator_confirm(
                    user=user, token=request.POST.get("otp_token", "")
                )
            except BusinessRuleViolation as exc:
                error = exc.message
            else:
                otp_login(request, second_factor.authenticator_of(user=user))
                return self._recovery_codes_response(request, codes)
        context = {
            **self.each_context(request),
            "title": _("设置双重认证"),
            "qr_data_uri": _qr_data_uri(device.config_url),
            "secret": base64.b32encode(device.bin_key).decode(),
            "error": error,
        }
        return TemplateResponse(request, "admin/otp_setup.html", context)

    def recovery_codes_view(self, request):
        """A verified staff user replaces the recovery codes (the old ones stop working)."""
        if request.method == "POST":
            codes = second_factor.recovery_codes_renew(user=request.user)
            return self._recovery_codes_response(request, codes)
        context = {**self.each_context(request), "title": _("恢复码"), "codes": None}
        return TemplateResponse(request, "admin/otp_recovery_codes.html", context)

    def _recovery_codes_response(self, request, codes):
        context = {**self.each_context(request), "title": _("恢复码"), "codes": codes}
        return TemplateResponse(request, "admin/otp_recovery_codes.html", context)


def _needs_setup(request) -> bool:
    user = request.user
    return (
        settings.ADMIN_REQUIRE_OTP
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and not second_factor.has_authenticator(user=user)
    )


def _qr_data_uri(data: str) -> str:
    """The otpauth:// URL as an SVG QR code in a data: URI (the CSP allows data: images)."""
    out = io.BytesIO()
    write_qrcode_image(data, out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()
