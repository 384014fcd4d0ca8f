"""Portal entry: one home page per kind of user."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from accounts.models import User
from enrollment import selectors as enrollment_selectors
from enrollment.models import DuplicateCase


def home(request):
    user = request.user
    context = {}
    if user.is_authenticated and user.kind == User.Kind.PERSON and hasattr(user, "person"):
        context["person"] = user.person
        context["enrollments"] = enrollment_selectors.enrollments_for_person(person=user.person)
        template = "portal/home_person.html"
    elif user.is_authenticated and user.kind == User.Kind.EMPLOYER and hasattr(user, "employer"):
        context["employer"] = user.employer
        context["open_verification_cases"] = (
            enrollment_selectors.verification_cases_for_employer(employer=user.employer)
            .filter(status=DuplicateCase.Status.OPEN)
            .count()
        )
        template = "portal/home_employer.html"
    elif user.is_authenticated and user.is_staff:
        context["regions"] = user.regions.all()
        template = "portal/home_staff.html"
    else:
        template = "portal/home.html"
    return render(request, template, context)


def healthz(request):
    """Liveness for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
