from django.contrib.auth import views as auth_views
from django.urls import path

from . import preferences, views
from .forms import PortalAuthenticationForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=PortalAuthenticationForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("register/confirm/", views.register_confirm, name="register-confirm"),
    path("account/phone/", views.phone_change, name="phone-change"),
    path("account/phone/confirm/", views.phone_change_confirm, name="phone-change-confirm"),
    path("account/", views.my_account, name="my-account"),
    path("elder-mode/", preferences.elder_mode_switch, name="elder-mode"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
]
