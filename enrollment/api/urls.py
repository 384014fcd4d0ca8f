from django.urls import path

from . import views

urlpatterns = [
    path("feed/persons/", views.PersonFeedView.as_view(), name="api-feed-persons"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path(
        "employer/verification-cases/",
        views.EmployerVerificationCaseListView.as_view(),
        name="api-employer-verification-cases",
    ),
    path(
        "employer/verification-cases/<int:pk>/report/",
        views.EmployerVerificationCaseReportView.as_view(),
        name="api-employer-verification-case-report",
    ),
]
