"""Portal views for one kind of user: the view gets that user's person or employer."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import User


def _owner_required(kind: str, owner: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.kind != kind or not hasattr(user, owner):
                raise PermissionDenied
            return view(request, getattr(user, owner), *args, **kwargs)

        return wrapper

    return decorator


# Signed-in insured persons only (the view's second argument is the person); others get 403.
person_required = _owner_required(User.Kind.PERSON, "person")
# Signed-in employers only (the view's second argument is the employer); others get 403.
employer_required = _owner_required(User.Kind.EMPLOYER, "employer")


def portal_owner_required(view):
    """Signed-in persons and employers (the view's second argument is the person or the
    employer); others get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        owner = {User.Kind.PERSON: "person", User.Kind.EMPLOYER: "employer"}.get(user.kind)
        if owner is None or not hasattr(user, owner):
            raise PermissionDenied
        return view(request, getattr(user, owner), *args, **kwargs)

    return wrapper
