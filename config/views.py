"""Portal entry: one home page per kind of user."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from accounts import selectors as accounts_selectors
from accounts.display import local_minute
from accounts.home import todos_for
from accounts.models import User
from accounts.services.api_tokens import api_token_expires_at, token_expiry
from enrollment import selectors as enrollment_selectors
from enrollment.models import DuplicateCase
from refunds import selectors as refunds_selectors
from wallet import selectors as wallet_selectors


def home(request):
    user = request.user
    context = {}
    mine = (
        accounts_selectors.person_home(user_id=user.pk)
        if user.is_authenticated and user.kind == User.Kind.PERSON
        else None
    )
    if mine is not None:
        person = mine.person
        context["person"] = person
        context["summary"] = mine.balances
        context["wallet_balance_fen"] = wallet_selectors.wallet_balance_fen(person_id=person.pk)
        context["todos"] = todos_for(owner=person)
        context["enrollments"] = enrollment_selectors.enrollments_for_person(person=person)
        context["notifications"] = accounts_selectors.unread_notifications(owner=person)
        context["api_token_expires"] = local_minute(
            token_expiry(user=user, created=mine.token_created)
        )
        template = "portal/home_person.html"
    elif user.is_authenticated and user.kind == User.Kind.EMPLOYER and hasattr(user, "employer"):
        employer = user.employer
        context["employer"] = employer
        context["open_verification_cases"] = (
            enrollment_selectors.verification_cases_for_employer(employer=employer)
            .filter(status=DuplicateCase.Status.OPEN)
            .count()
        )
        context["refunds"] = refunds_selectors.employer_refund_summary(employer=employer)
        context["notifications"] = accounts_selectors.unread_notifications(owner=employer)
        context["api_token_expires"] = local_minute(api_token_expires_at(user=user))
        template = "portal/home_employer.html"
    elif user.is_authenticated and user.is_staff:
        context["regions"] = user.regions.all()
        template = "portal/home_staff.html"
    else:
        template = "portal/home.html"
    return render(request, template, context)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the SVG icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def bench_floor(request):
    """The benchmark's floor: the whole middleware stack and nothing else."""
    return HttpResponse("ok", content_type="text/plain")


def healthz(request):
    """Liveness for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI under the site's Content-Security-Policy: its start-up script is fetched
    from this view (`?script`), not inlined, and the page's styles come from a static file."""

    template_name = "api/swagger_ui.html"


# 'unsafe-inline' is ignored next to a hash, so the page's style-src is replaced, not extended.
@method_decorator(
    csp_replace({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}), "dispatch"
)
class ApiRedocView(SpectacularRedocView):
    """ReDoc renders its styles at run time (<style> elements) and parses in a blob: worker;
    scripts stay same-origin only. A developer page that shows no personal data."""

    template_name = "api/redoc.html"
