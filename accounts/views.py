import secrets
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, statements
from .decorators import person_required, portal_owner_required
from .errors import BusinessRuleViolation
from .forms import CodeForm, PersonRegistrationForm, PhoneChangeForm, YearForm
from .messaging import mask_phone
from .models import Notification, fen_to_yuan
from .services import identity, notifications, registration
from .throttling import throttled_posts

_REGISTERING = "registration_national_id"
_CLIENT_KEY = "registration_client_key"
_CHANGING_PHONE = "phone_change_requested"


def _signed_in_away(view):
    """Registration is for people without a login: the signed-in go home."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@_signed_in_away
@throttled_posts("registration")
def register(request):
    """实名注册, step 1 (the same service as the API): a code goes to the phone on file."""
    form = PersonRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        client_key = secrets.token_urlsafe(32)
        try:
            registration.person_registration_request(
                national_id=data["national_id"],
                name=data["name"],
                password=data["password"],
                client_key=client_key,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session[_REGISTERING] = data["national_id"]
            request.session[_CLIENT_KEY] = client_key
            return redirect("register-confirm")
    return render(request, "registration/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
@_signed_in_away
@throttled_posts("registration")
def register_confirm(request):
    """实名注册, step 2: the code from the phone on file creates the login and signs in."""
    national_id = request.session.get(_REGISTERING)
    if not national_id:
        return redirect("register")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = registration.person_registration_confirm(
                national_id=national_id,
                code=form.cleaned_data["code"],
                client_key=request.session.get(_CLIENT_KEY, ""),
            )
        except BusinessRuleViolation as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(_REGISTERING, None)
            request.session.pop(_CLIENT_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功，欢迎使用医保服务门户。"))
            return redirect("home")
    context = {"form": form, "hint": registration.NO_CODE_HINT}
    return render(request, "registration/register_confirm.html", context)


@require_http_methods(["GET", "POST"])
@throttled_posts("registration")
@person_required
def phone_change(request, person):
    """变更手机号, step 1: a code goes to the phone on file (the old one)."""
    form = PhoneChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity.person_phone_change_request(
                person=person, new_phone=form.cleaned_data["phone"]
            )
        except BusinessRuleViolation as exc:
            form.add_error("phone", exc.message)
        else:
            request.session[_CHANGING_PHONE] = True
            return redirect("phone-change-confirm")
    context = {"form": form, "current": mask_phone(person.phone)}
    return render(request, "accounts/phone_change.html", context)


@require_http_methods(["GET", "POST"])
@throttled_posts("registration")
@person_required
def phone_change_confirm(request, person):
    """变更手机号, step 2: the code from the old phone sets the new one."""
    if not request.session.get(_CHANGING_PHONE):
        return redirect("phone-change")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = identity.person_phone_change_confirm(
                person=person, code=form.cleaned_data["code"]
            )
        except BusinessRuleViolation as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(_CHANGING_PHONE, None)
            messages.success(
                request,
                _("手机号已变更为 %(phone)s。24小时内不能从医保钱包转出。")
                % {"phone": mask_phone(person.phone)},
            )
            return redirect("home")
    context = {"form": form, "current": mask_phone(person.phone)}
    return render(request, "accounts/phone_change_confirm.html", context)


@person_required
def my_account(request, person):
    """个人账户: balances, the year's monthly credits as a chart and a table, contributions,
    and the personal account's statement (newest first, 更早 pages by cursor)."""
    year_form = YearForm(request.GET or None)
    year = year_form.cleaned_data["year"] if year_form.is_valid() else None
    year = year or timezone.localdate().year
    parts = selectors.personal_account_parts(person_id=person.pk)
    credits, credit_years = selectors.credit_history(current_ids=parts.current_ids, year=year)
    context = {
        "summary": parts.summary,
        "year": year,
        "years": sorted({year, *credit_years}, reverse=True),
        "credits": selectors.credit_rows(credits),
        "credit_total": fen_to_yuan(sum(credit["amount_fen"] for credit in credits)),
        "chart": selectors.monthly_credit_chart(credits=credits, year=year),
        "contributions": selectors.contribution_rows(person_id=person.pk, year=year),
        "statement": statements.statement_page(
            account_ids=parts.ledger_ids,
            balance_fen=parts.balance_fen,
            viewer_id=person.pk,
            before=request.GET.get("before"),
        ),
        "year_query": f"year={year}",
    }
    return render(request, "accounts/my_account.html", context)


@portal_owner_required
def notification_list(request, owner):
    """消息通知: every notice to the person or employer, newest first, paginated."""
    page = Paginator(selectors.notifications_for(owner=owner), 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": selectors.notification_rows(page),
        "unread": selectors.notifications_for(owner=owner, unread_only=True).count(),
    }
    return render(request, "accounts/notifications.html", context)


def _back(request):
    """Where a mark-read form came from (the home page or the list), on this site only."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications")


@require_POST
@portal_owner_required
def notification_read(request, owner, pk: int):
    """Mark one notice read; another's notice is a 404."""
    try:
        notifications.notification_mark_read(owner=owner, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    return _back(request)


@require_POST
@portal_owner_required
def notifications_read_all(request, owner):
    """Mark every unread notice read."""
    notifications.notifications_mark_all_read(owner=owner)
    return _back(request)
