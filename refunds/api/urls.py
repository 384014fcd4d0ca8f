from django.urls import path

from . import views

urlpatterns = [
    path(
        "feed/refund-batches/", views.RefundBatchFeedView.as_view(), name="api-feed-refund-batches"
    ),
    path(
        "employer/refund-batches/",
        views.EmployerRefundBatchesView.as_view(),
        name="api-employer-refund-batches",
    ),
    path(
        "employer/refund-batches/<int:pk>/",
        views.EmployerRefundBatchView.as_view(),
        name="api-employer-refund-batch",
    ),
    path(
        "employer/refund-batches/<int:pk>/items/",
        views.EmployerRefundItemsView.as_view(),
        name="api-employer-refund-items",
    ),
    path(
        "employer/pending-account/",
        views.EmployerPendingAccountView.as_view(),
        name="api-employer-pending-account",
    ),
    path(
        "employer/pending-account/postings/",
        views.EmployerPendingPostingsView.as_view(),
        name="api-employer-pending-postings",
    ),
    path(
        "employer/clearances/",
        views.EmployerClearancesView.as_view(),
        name="api-employer-clearances",
    ),
    path(
        "feed/resident-premiums/",
        views.ResidentPremiumFeedView.as_view(),
        name="api-feed-resident-premiums",
    ),
    path("refunds/resident/", views.ResidentRefundsView.as_view(), name="api-resident-refunds"),
    path(
        "refunds/resident/<int:pk>/",
        views.ResidentRefundView.as_view(),
        name="api-resident-refund",
    ),
    path(
        "refunds/resident/<int:pk>/materials/",
        views.ResidentRefundMaterialsView.as_view(),
        name="api-resident-refund-materials",
    ),
]
