from django.urls import path

from .. import converters  # noqa: F401  (registers <row_id:…>)
from . import views

urlpatterns = [
    path("family/", views.FamilyView.as_view(), name="api-family"),
    path(
        "family/<row_id:pk>/confirm/", views.FamilyConfirmView.as_view(), name="api-family-confirm"
    ),
    path("family/<row_id:pk>/end/", views.FamilyEndView.as_view(), name="api-family-end"),
    path("wallet/", views.WalletView.as_view(), name="api-wallet"),
    path("wallet/usage-history/", views.UsageHistoryView.as_view(), name="api-wallet-usage"),
    path("wallet/history/", views.WalletHistoryView.as_view(), name="api-wallet-history"),
    path("wallet/transfers/", views.TransfersView.as_view(), name="api-wallet-transfers"),
    path(
        "wallet/transfers/<row_id:pk>/",
        views.TransferDetailView.as_view(),
        name="api-wallet-transfer",
    ),
    path(
        "wallet/transfers/<row_id:pk>/confirm/",
        views.TransferConfirmView.as_view(),
        name="api-wallet-transfer-confirm",
    ),
    path(
        "wallet/transfers/<row_id:pk>/accept/",
        views.TransferAcceptView.as_view(),
        name="api-wallet-transfer-accept",
    ),
    path(
        "wallet/transfers/<row_id:pk>/cancel/",
        views.TransferCancelView.as_view(),
        name="api-wallet-transfer-cancel",
    ),
    path("wallet/payments/", views.PaymentsView.as_view(), name="api-wallet-payments"),
    path(
        "wallet/payments/premium/",
        views.PremiumPayView.as_view(),
        name="api-wallet-pay-premium",
    ),
    path(
        "wallet/payment-codes/", views.PaymentCodesView.as_view(), name="api-wallet-payment-codes"
    ),
    path(
        "wallet/payments/medical/",
        views.MedicalPayView.as_view(),
        name="api-wallet-pay-medical",
    ),
]
