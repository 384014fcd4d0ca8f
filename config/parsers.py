"""JSON request bodies nested at most 32 levels deep: deeper is a 400 naming where the limit
was crossed (DRF's parser lets json's RecursionError through as a 500). The size limit is
Django's DATA_UPLOAD_MAX_MEMORY_SIZE, which DRF applies when it reads the body; a body over
it is answered 413 (PayloadTooLarge, config.exceptions)."""

import codecs
import json

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

MAX_JSON_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("请求内容过大。")
    default_code = "payload_too_large"


def _nests_deeper_than(data, limit: int) -> bool:
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def _too_deep_path(text: str, limit: int) -> str:
    """Where `text` first opens more than `limit` arrays/objects, as an error path
    ("persons[0].enrollments[2]"); read without recursion, as the document may be too deep
    for json itself."""
    stack: list[list] = []  # [opening char, current key or index]
    expecting_key = False
    i = 0
    try:
        while i < len(text):
            char = text[i]
            if char == '"':
                end = i + 1
                while text[end] != '"':
                    end += 2 if text[end] == "\\" else 1
                if expecting_key:
                    stack[-1][1] = json.loads(text[i : end + 1])
                i = end + 1
                continue
            if char in "[{":
                if len(stack) == limit:
                    break
                stack.append([char, 0 if char == "[" else ""])
                expecting_key = char == "{"
            elif char in "]}":
                stack.pop()
                expecting_key = False
            elif char == ",":
                if stack[-1][0] == "[":
                    stack[-1][1] += 1
                else:
                    expecting_key = True
            elif char == ":":
                expecting_key = False
            i += 1
    except (IndexError, ValueError):
        pass
    path = ""
    for opening, key in stack:
        path += f"[{key}]" if opening == "[" else (f".{key}" if path else str(key))
    return path or "non_field_errors"


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        body = stream.read()
        parse_constant = strict_constant if api_settings.STRICT_JSON else None
        try:
            text = codecs.decode(body, encoding)
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            too_deep = True
        except ValueError as exc:  # UnicodeDecodeError is one
            raise exceptions.ParseError(_("JSON 格式错误：%(error)s") % {"error": exc}) from None
        else:
            too_deep = _nests_deeper_than(data, MAX_JSON_DEPTH)
        if too_deep:
            raise exceptions.ValidationError(
                {
                    _too_deep_path(text, MAX_JSON_DEPTH): [
                        _("JSON 嵌套超过 %(limit)d 层。") % {"limit": MAX_JSON_DEPTH}
                    ]
                }
            )
        return data
