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
from .models import DuplicateCase
from .services import cases


@employer_required
def verification_cases(request, employer):
    """Open name checks to confirm, then the ones already handled (paginated)."""
    scoped = selectors.verification_cases_for_employer(employer=employer)
    handled = Paginator(scoped.exclude(status=DuplicateCase.Status.OPEN), 20).get_page(
        request.GET.get("page")
    )
    context = {
        "employer": employer,
        "open_cases": scoped.filter(status=DuplicateCase.Status.OPEN),
        "handled": handled,
    }
    return render(request, "enrollment/verification_cases.html", context)


@employer_required
@require_POST
def verification_case_confirm(request, employer, pk: int):
    case = get_object_or_404(selectors.verification_cases_for_employer(employer=employer), pk=pk)
    name = request.POST.get("name", "")
    try:
        case = cases.name_mismatch_confirm(case=case, name=name, by=request.user)
    except BusinessRuleViolation as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已核实姓名为「%(name)s」，该职工的参保登记已恢复。") % {"name": case.confirmed_name},
        )
    return redirect("enrollment:verification-cases")
