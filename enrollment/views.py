"""Portal pages of enrollment for employers: name checks (核实) about their employees."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import employer_required
from accounts.errors import BusinessRuleViolation

from . import selectors
from .forms import NameReportForm
from .models import DuplicateCase, NameReport
from .services import name_checks


def _report_row(report: NameReport | None) -> dict | None:
    if report is None:
        return None
    return {
        "name": report.name,
        "reason": report.reason,
        "status": report.status,
        "status_display": report.get_status_display(),
        "pending": report.status == NameReport.Status.PENDING,
        "rejected": report.status == NameReport.Status.REJECTED,
        "rejection_reason": report.rejection_reason,
        "reported_at": report.reported_at,
    }


def _case_row(case: DuplicateCase) -> dict:
    return {
        "pk": case.pk,
        "masked_national_id": case.person.masked_national_id,
        "name": case.person.name,
        "reported_name": case.reported_name,
        "region_name": case.region.name if case.region else "",
        "created_at": case.created_at,
        "status_display": case.get_status_display(),
        "confirmed_name": case.confirmed_name,
        "decided_at": case.decided_at,
        "report": _report_row(case.reports[0] if case.reports else None),
    }


@employer_required
def verification_cases(request, employer):
    """Open name checks to report on (or awaiting staff), then the ones handled (paginated)."""
    scoped = selectors.name_checks_for_employer(employer=employer)
    handled = Paginator(scoped.exclude(status=DuplicateCase.Status.OPEN), 20).get_page(
        request.GET.get("page")
    )
    context = {
        "employer": employer,
        "open_cases": [_case_row(case) for case in scoped.filter(status=DuplicateCase.Status.OPEN)],
        "handled": handled,
        "handled_rows": [_case_row(case) for case in handled],
    }
    return render(request, "enrollment/verification_cases.html", context)


@employer_required
@require_POST
def verification_case_report(request, employer, pk: int):
    """The employer reports the right name; staff confirm it before anything changes."""
    case = get_object_or_404(selectors.verification_cases_for_employer(employer=employer), pk=pk)
    form = NameReportForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form[field].label}：{errors[0]}")
        return redirect("enrollment:verification-cases")
    try:
        report = name_checks.name_report_create(
            case=case,
            name=form.cleaned_data["name"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except BusinessRuleViolation as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已报送正确姓名「%(name)s」，经办人员确认后该职工的参保登记恢复。")
            % {"name": report.name},
        )
    return redirect("enrollment:verification-cases")
