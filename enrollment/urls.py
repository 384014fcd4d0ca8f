from django.urls import path

from . import views

app_name = "enrollment"

urlpatterns = [
    path("verification/", views.verification_cases, name="verification-cases"),
    path(
        "verification/<int:pk>/report/",
        views.verification_case_report,
        name="verification-case-report",
    ),
]
