from django.urls import path

from . import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="api-register"),
    path(
        "auth/register/confirm/",
        views.RegisterConfirmView.as_view(),
        name="api-register-confirm",
    ),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("feed/employers/", views.EmployerFeedView.as_view(), name="api-feed-employers"),
    path(
        "feed/contributions/",
        views.ContributionFeedView.as_view(),
        name="api-feed-contributions",
    ),
    path("me/phone/", views.MyPhoneView.as_view(), name="api-me-phone"),
    path("me/phone/confirm/", views.MyPhoneConfirmView.as_view(), name="api-me-phone-confirm"),
    path("me/account/", views.MyAccountView.as_view(), name="api-me-account"),
    path("me/credits/", views.MyCreditsView.as_view(), name="api-me-credits"),
    path("me/contributions/", views.MyContributionsView.as_view(), name="api-me-contributions"),
    path("me/postings/", views.MyPostingsView.as_view(), name="api-me-postings"),
    path("me/notifications/", views.MyNotificationsView.as_view(), name="api-me-notifications"),
    path(
        "me/notifications/read-all/",
        views.MyNotificationsReadAllView.as_view(),
        name="api-me-notifications-read-all",
    ),
    path(
        "me/notifications/<int:pk>/read/",
        views.MyNotificationReadView.as_view(),
        name="api-me-notification-read",
    ),
]
