from django.urls import path

from . import resident_views as views

app_name = "resident-refunds"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("new/", views.resident_new, name="new"),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/materials/", views.resident_materials, name="materials"),
]
