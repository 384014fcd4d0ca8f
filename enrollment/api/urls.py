from django.urls import path

from . import views

urlpatterns = [
    path("feed/persons/", views.PersonFeedView.as_view(), name="api-feed-persons"),
    path("me/", views.MeView.as_view(), name="api-me"),
]
