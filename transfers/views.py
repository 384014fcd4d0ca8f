"""Portal pages of 转移接续: apply, and 业务办理进度查询 (progress, certificate, withdraw)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import person_required
from accounts.errors import BusinessRuleViolation
from accounts.models import InsuredPerson

from . import selectors, services
from .api.serializers import InsuranceTransferSerializer
from .certificate import certificate_pdf
from .forms import TransferApplyForm
from .models import TransferStatus

_BADGES = {
    TransferStatus.SUBMITTED: "badge--suspended",
    TransferStatus.OUT_APPROVED: "badge--suspended",
    TransferStatus.COMPLETED: "badge--active",
    TransferStatus.REJECTED: "badge--stopped",
    TransferStatus.WITHDRAWN: "badge--stopped",
}


def _own(person: InsuredPerson, pk: int):
    application = selectors.application_for_person(person=person, application_id=pk)
    if application is None:
        raise Http404(_("未找到该转移接续申请。"))
    return application


def _row(application) -> dict:
    """Plain values for the templates (every query done before rendering)."""
    data = InsuranceTransferSerializer(application).data
    return {
        **data,
        "from_region_name": application.from_region.name,
        "to_region_name": application.to_region.name,
        "scheme_display": application.get_scheme_display(),
        "badge": _BADGES[application.status],
        "may_withdraw": application.status == TransferStatus.SUBMITTED,
        "is_open": application.is_open,
        "steps": [
            {
                "at": timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M"),
                "status_display": event.get_status_display(),
                "by": event.by_label,
                "note": event.note,
            }
            for event in application.events.all()
        ],
    }


@person_required
def transfer_list(request, person: InsuredPerson):
    """The person's applications and the months paid in every region (累计缴费月数)."""
    rows = [_row(a) for a in selectors.applications_for_person(person=person)]
    months = selectors.months_paid_by_region(person=person)
    context = {
        "applications": rows,
        "months_by_region": months,
        "months_total": sum(r["months"] for r in months),
    }
    return render(request, "transfers/list.html", context)


@person_required
@require_http_methods(["GET", "POST"])
def transfer_new(request, person: InsuredPerson):
    form = TransferApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.transfer_apply(person=person, **form.cleaned_data)
        except BusinessRuleViolation as exc:
            reasons = getattr(exc, "reasons", None)
            if reasons:
                form.add_error(None, _("不能办理转移接续："))
                for reason in reasons:
                    form.add_error(None, reason)
            else:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("申请已提交，您可以在此查看办理进度。"))
            return redirect("transfers:detail", pk=application.pk)
    return render(request, "transfers/new.html", {"form": form})


@person_required
def transfer_detail(request, person: InsuredPerson, pk: int):
    """业务办理进度查询: status, due dates, every step with who and when, the certificate."""
    return render(request, "transfers/detail.html", {"application": _row(_own(person, pk))})


@person_required
def transfer_certificate(request, person: InsuredPerson, pk: int):
    application = _own(person, pk)
    if not application.certificate_number:
        raise Http404(_("该申请尚未开具《参保凭证》。"))
    response = HttpResponse(certificate_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{application.pk}.pdf"'
    return response


@person_required
@require_POST
def transfer_withdraw(request, person: InsuredPerson, pk: int):
    try:
        services.transfer_withdraw(application_id=pk, person=person)
    except services.NotFound as exc:
        raise Http404(exc.message) from None
    except BusinessRuleViolation as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("申请已撤回。"))
    return redirect("transfers:detail", pk=pk)
