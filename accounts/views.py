from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors
from .decorators import person_required
from .errors import BusinessRuleViolation
from .forms import PersonRegistrationForm, YearForm
from .models import fen_to_yuan
from .services import registration


@require_http_methods(["GET", "POST"])
def register(request):
    """实名注册 for insured persons, through the same service as the API."""
    form = PersonRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = registration.person_user_register(
                national_id=data["national_id"],
                name=data["name"],
                phone=data["phone"],
                password=data["password"],
            )
        except BusinessRuleViolation as exc:
            form.add_error("national_id", exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功，欢迎使用医保服务门户。"))
            return redirect("home")
    return render(request, "registration/register.html", {"form": form})


@person_required
def my_account(request, person):
    """个人账户: balances, the year's monthly credits as a chart and a table, contributions,
    and every posting (paginated)."""
    year_form = YearForm(request.GET or None)
    year = year_form.cleaned_data["year"] if year_form.is_valid() else None
    year = year or timezone.localdate().year
    credits = list(selectors.credits_for_person(person=person, year=year))
    own_ids = set(selectors.person_ledger_account_ids(person=person))
    postings = Paginator(selectors.postings_for_accounts(account_ids=own_ids), 20).get_page(
        request.GET.get("page")
    )
    context = {
        "summary": selectors.account_summary(person=person),
        "year": year,
        "years": sorted({year, *selectors.credit_years_for_person(person=person)}, reverse=True),
        "credits": credits,
        "credit_total": fen_to_yuan(sum(p.amount_fen for p in credits)),
        "chart": selectors.monthly_credit_chart(credits=credits, year=year),
        "contributions": selectors.contributions_for_person(person=person, year=year),
        "postings": postings,
        "pager_query": f"year={year}&",
        "incoming_ids": {p.pk for p in postings if p.to_account_id in own_ids},
    }
    return render(request, "accounts/my_account.html", context)
