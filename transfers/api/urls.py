from django.urls import path, register_converter

from . import views


class ApplicationIdConverter:
    """At most 18 digits: a huge number is a 404, not an overflow."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(ApplicationIdConverter, "transfer_id")

urlpatterns = [
    path("transfers/", views.TransfersView.as_view(), name="api-transfers"),
    path("transfers/<transfer_id:pk>/", views.TransferDetailView.as_view(), name="api-transfer"),
    path(
        "transfers/<transfer_id:pk>/withdraw/",
        views.TransferWithdrawView.as_view(),
        name="api-transfer-withdraw",
    ),
    path(
        "transfers/<transfer_id:pk>/certificate/",
        views.TransferCertificateView.as_view(),
        name="api-transfer-certificate",
    ),
]
