"""OpenAPI: every operation lists the error answers it can give, each in the error shape."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

BODY_METHODS = ("POST", "PUT", "PATCH")


class ErrorSerializer(serializers.Serializer):
    """{"detail": "...", "errors": {"field": ["message"]}} (config.exceptions)."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERROR_DESCRIPTIONS = {
    "400": "Invalid input; `errors` names each field (`persons[3].national_id`).",
    "401": "No or an invalid token.",
    "403": "Signed in, but not as the kind of user (or scope) this endpoint is for.",
    "404": "What the path names, or the caller's own record, does not exist.",
    "409": "A business rule refuses the request; `detail` says which.",
    "413": "The body is over the size limit.",
    "415": "The body is not JSON (or a form).",
    "422": "A rule the request can never satisfy as given; `detail` says which.",
    "429": "Too many requests or failed sign-ins; try later.",
}


class AutoSchema(openapi.AutoSchema):
    def _error_codes(self) -> list[str]:
        view = self.view
        public = all(isinstance(p, AllowAny) for p in view.get_permissions())
        has_body = self.method in BODY_METHODS
        parameters = self._get_parameters()
        has_query = any(p["in"] == "query" and p["name"] != "page" for p in parameters)
        has_path = any(p["in"] == "path" for p in parameters)
        codes = []
        if has_body or has_query:
            codes.append("400")
        if not public:
            if view.get_authenticators():
                codes.append("401")
            codes.append("403")
        if not public or has_path:
            codes.append("404")
        if has_body:
            codes += ["409", "413", "415", "422"]
        # Public endpoints are sign-in and registration: throttled or locked out by django-axes.
        if public or view.get_throttles():
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]),
                    code,
                    direction=direction,
                )
        return responses
