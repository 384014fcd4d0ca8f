from django.urls import path

from . import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="api-register"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("feed/employers/", views.EmployerFeedView.as_view(), name="api-feed-employers"),
    path(
        "feed/contributions/",
        views.ContributionFeedView.as_view(),
        name="api-feed-contributions",
    ),
]
