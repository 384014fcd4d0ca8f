from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts import session_views

from . import views

handler400 = "config.exceptions.json_bad_request"
handler404 = "config.exceptions.json_not_found"
handler500 = "config.exceptions.json_server_error"

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("enrollment.api.urls")),
    path("", include("wallet.api.urls")),
    path("", include("transfers.api.urls")),
    path("", include("refunds.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("accounts.urls")),
    path("session/keep-alive/", session_views.keep_alive, name="session-keep-alive"),
    path("account/api-token/revoke/", session_views.api_token_revoke, name="api-token-revoke"),
    path("wallet/", include("wallet.urls")),
    path("transfers/", include("transfers.urls")),
    path("employer/refunds/", include("refunds.urls")),
    path("refunds/resident/", include("refunds.resident_urls")),
    path("employer/", include("enrollment.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", views.ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", views.ApiRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

# The benchmark's floor (bench/pages.py): only when BENCH_FLOOR_VIEW is set, never by default.
if settings.BENCH_FLOOR_VIEW:
    urlpatterns.append(path("bench/floor/", views.bench_floor, name="bench-floor"))
