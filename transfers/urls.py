from django.urls import path

from . import views
from .api import urls as _api_urls  # noqa: F401  (registers <transfer_id:…>)

app_name = "transfers"

urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("new/", views.transfer_new, name="new"),
    path("<transfer_id:pk>/", views.transfer_detail, name="detail"),
    path("<transfer_id:pk>/certificate/", views.transfer_certificate, name="certificate"),
    path("<transfer_id:pk>/withdraw/", views.transfer_withdraw, name="withdraw"),
]
