from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .errors import BusinessRuleViolation
from .forms import PersonRegistrationForm
from .services import registration


@require_http_methods(["GET", "POST"])
def register(request):
    """实名注册 for insured persons, through the same service as the API."""
    form = PersonRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = registration.person_user_register(
                national_id=data["national_id"],
                name=data["name"],
                phone=data["phone"],
                password=data["password"],
            )
        except BusinessRuleViolation as exc:
            form.add_error("national_id", exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功，欢迎使用医保服务门户。"))
            return redirect("home")
    return render(request, "registration/register.html", {"form": form})
