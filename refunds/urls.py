from django.urls import path

from . import views

app_name = "refunds"

urlpatterns = [
    path("", views.batches, name="batches"),
    path("pending/", views.pending_account, name="pending-account"),
    path("pending/clear/", views.clearance_request, name="clearance-request"),
    path("<int:pk>/", views.batch_detail, name="batch"),
    path("<int:pk>/export.csv", views.batch_export, name="batch-export"),
]
