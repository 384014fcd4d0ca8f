"""Portal endpoints for the signed-in session: keep it alive, sign API clients out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .middleware import idle_timeout_for
from .services import api_tokens


@require_POST
def keep_alive(request):
    """ "Stay signed in" on the idle notice: the middleware has already recorded this request
    as activity; an expired session answers 401 and the page goes to the login."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("登录已失效，请重新登录。"), "errors": {}}, status=401)
    seconds = int(idle_timeout_for(request.user).total_seconds())
    return JsonResponse({"idle_seconds": seconds})


@require_POST
@login_required
def api_token_revoke(request):
    """退出所有接口登录: deletes the user's API token; clients holding it get 401."""
    if api_tokens.api_token_revoke(user=request.user):
        messages.success(request, _("已注销接口令牌，使用该令牌的应用需要重新登录。"))
    else:
        messages.info(request, _("您当前没有有效的接口令牌。"))
    return redirect("home")
