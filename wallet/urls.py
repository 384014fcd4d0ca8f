from django.urls import path

from . import (
    converters,  # noqa: F401  (registers <row_id:…>)
    views,
)

app_name = "wallet"

urlpatterns = [
    path("", views.wallet_home, name="home"),
    path("usage-region/", views.usage_region_change, name="usage_region"),
    path("history/", views.history, name="history"),
    path("family/", views.family_page, name="family"),
    path("family/<row_id:pk>/confirm/", views.family_confirm, name="family_confirm"),
    path("family/<row_id:pk>/end/", views.family_end, name="family_end"),
    path("family/<row_id:pk>/open-wallet/", views.family_open_wallet, name="family_open_wallet"),
    path("payment-code/", views.payment_code, name="payment_code"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/new/", views.transfer_new, name="transfer_new"),
    path("transfers/<row_id:pk>/code/", views.transfer_code, name="transfer_code"),
    path("transfers/<row_id:pk>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("transfers/<row_id:pk>/accept/", views.transfer_accept, name="transfer_accept"),
]
