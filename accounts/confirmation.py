"""A second step before a portal action that moves money or ends a binding: the first POST
shows what will happen on its own page, the action runs only when that page's button posts
`confirmed=1`. Works without JavaScript; elder mode asks before more actions."""

from django.shortcuts import render

from .preferences import elder_mode_on


def confirmed(request) -> bool:
    return request.POST.get("confirmed") == "1"


def needs_confirmation(request, *, elder_only: bool = False) -> bool:
    """True when this POST must first show the confirmation page."""
    if confirmed(request):
        return False
    return elder_mode_on(request) or not elder_only


def confirm_page(request, *, title, question, facts, action, button, back, keep=None):
    """The page: `facts` are (label, value) pairs; `keep` are the form's fields, posted again."""
    context = {
        "title": title,
        "question": question,
        "facts": facts,
        "action": action,
        "button": button,
        "back": back,
        "keep": sorted((keep or {}).items()),
    }
    return render(request, "portal/confirm.html", context)
