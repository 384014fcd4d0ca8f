"""One error shape for the whole API: {"detail": "...", "errors": {"field": ["message"]}}."""

import logging

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request, page_not_found, server_error
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from accounts.errors import BusinessRuleViolation
from config.parsers import PayloadTooLarge


def flatten_errors(data, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors → {"persons[3].national_id": ["..."]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, int):  # ListSerializer keys its errors by row index
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, path))
    elif isinstance(data, list) and data and all(isinstance(v, str) for v in data):
        flat[prefix or "non_field_errors"] = [str(v) for v in data]
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if value:
                flat.update(flatten_errors(value, f"{prefix}[{index}]"))
    else:
        flat[prefix or "non_field_errors"] = [str(data)]
    return flat


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, BusinessRuleViolation):
        errors = {exc.field: [exc.message]} if exc.field else {}
        return Response({"detail": exc.message, "errors": errors}, status=exc.status_code)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):  # e.g. too many form fields: Django would 400
        logging.getLogger(f"django.security.{type(exc).__name__}").warning(str(exc))
        exc = exceptions.ParseError(_("请求无效。"))

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(response.data)
        first_field, first_messages = next(iter(errors.items()), ("", [""]))
        detail = _("提交的数据有误（%(count)d 处）：%(field)s：%(message)s") % {
            "count": sum(len(m) for m in errors.values()),
            "field": first_field,
            "message": first_messages[0],
        }
        response.data = {"detail": detail, "errors": errors}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {"detail": str(detail), "errors": {}}
    return response


def json_not_found(request, exception=None):
    """404 for unknown API paths in the API's error shape; the portal keeps its HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("未找到。"), "errors": {}}, status=status.HTTP_404_NOT_FOUND
        )
    return page_not_found(request, exception)


def json_bad_request(request, exception=None):
    """400 raised outside DRF (a bad Host header, an oversize form body read by middleware):
    the API's error shape on API paths, 413 for a body over the size limit."""
    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(
                {"detail": str(PayloadTooLarge.default_detail), "errors": {}}, status=413
            )
        return JsonResponse({"detail": _("请求无效。"), "errors": {}}, status=400)
    return bad_request(request, exception)


def json_server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("服务器内部错误。"), "errors": {}}, status=500)
    return server_error(request)
