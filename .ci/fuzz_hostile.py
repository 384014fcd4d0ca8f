"""Send hostile values to every operation of the running API's OpenAPI schema.

For each operation and caller (anonymous, person, service): a body built from the schema with
each field in turn replaced by a hostile value (non-ASCII digits, out-of-range dates,
invisible characters, deep JSON), JSON nested past the limit, a body over the size limit,
hostile path and query values; afterwards every read again. Fails on any 5xx and on any
error that is not {"detail": str, "errors": {field: [str]}}.

usage: fuzz_hostile.py BASE_URL  (tokens in FUZZ_PERSON_TOKEN and FUZZ_SERVICE_TOKEN)
"""

import http.client
import json
import os
import re
import sys
import urllib.parse

HOSTILE_VALUES = [
    "1²",
    "①②③",
    "１２３４５６",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31",
    "0001-01-01",
    "1899-12-31T23:59:59+14:00",
    "王\u202e伟",
    "王\u200b\x00伟",
    "６１０１０２１９９００１０１１２３ｘ",
    10**40,
    -1,
    None,
    [],
]
DEEP = json.loads("[" * 64 + "]" * 64)
OVERSIZE = 3 * 1024 * 1024  # past Django's default DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
# Revoking the caller's own token would leave the rest of the run anonymous.
KEEP_CALLERS_TOKENS = {"v1_auth_token_destroy"}
PATH_VALUES = ["１", "²", "9" * 25, "0"]
QUERY_VALUES = ["２０２６", "²", "9" * 40, "-1", "9999-12-31T23:59:59-12:00"]


class Fuzzer:
    def __init__(self, base_url: str):
        url = urllib.parse.urlsplit(base_url)
        self.host, self.port = url.hostname, url.port
        self.failures: list[str] = []
        self.sent = 0

    def request(self, method, path, *, token=None, body=None, raw=None):
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if body is not None or raw is not None:
            raw = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=raw, headers=headers)
            response = connection.getresponse()
            status, content = response.status, response.read()
        except (ConnectionError, http.client.HTTPException) as exc:
            status, content = 599, str(exc).encode()
        finally:
            connection.close()
        self.sent += 1
        self.check(
            method, path, body if raw is None or len(raw) < 300 else "<big>", status, content
        )
        return status

    def check(self, method, path, body, status, content):
        where = f"{method} {path} {json.dumps(body, ensure_ascii=False)[:200]} → {status}"
        if status >= 500:
            self.failures.append(f"{where}: {content[:300]!r}")
        elif status >= 400:
            try:
                data = json.loads(content)
                assert set(data) == {"detail", "errors"} and isinstance(data["detail"], str)
                assert all(
                    isinstance(k, str)
                    and isinstance(v, list)
                    and all(isinstance(m, str) for m in v)
                    for k, v in data["errors"].items()
                )
            except (ValueError, AssertionError, TypeError, AttributeError):
                self.failures.append(f"{where}: not the error shape: {content[:300]!r}")


def node_ref(ref):
    return ref.removeprefix("#/").split("/")


def deref(schema, node):
    """Follow $ref, allOf/oneOf (first) until a concrete schema."""
    for _ in range(20):
        if "$ref" in node:
            target = schema
            for part in node_ref(node["$ref"]):
                target = target[part]
            node = target
        elif "allOf" in node:
            node = node["allOf"][0]
        elif "oneOf" in node:
            node = node["oneOf"][0]
        else:
            return node
    return node


def _national_id(body: str) -> str:
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body))
    return body + "10X98765432"[total % 11]


def _credit_code(body: str) -> str:
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(charset.index(c) * (3**i % 31) for i, c in enumerate(body))
    return body + charset[(31 - total % 31) % 31]


# Valid-looking values by field name, so that a body gets past its other fields' checks.
NATIONAL_ID = _national_id("61010219900101123")
CREDIT_CODE = _credit_code("91610100MA0000001")
BY_NAME = {"national_id": NATIONAL_ID, "code": CREDIT_CODE, "name": "张三", "phone": "13800000000"}


def skeleton(schema, node, depth=0, name=""):
    """A plausible value for a schema node: by field name, examples, a value of its type."""
    node = deref(schema, node)
    for hint, value in BY_NAME.items():
        if name.endswith(hint) and node.get("type") == "string" and "pattern" not in node:
            return value
    if "example" in node:
        return node["example"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        if depth > 6:
            return {}
        return {
            key: skeleton(schema, prop, depth + 1, key)
            for key, prop in node.get("properties", {}).items()
            if not deref(schema, prop).get("readOnly")
        }
    if kind == "array":
        return [skeleton(schema, node.get("items", {}), depth + 1)]
    if kind == "integer":
        return 2026
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    return {"date": "2020-01-01", "date-time": "2020-01-01T08:00:00+08:00"}.get(
        node.get("format"), "1"
    )


def leaves(value, path=()):
    """Paths to every scalar in a skeleton body."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaves(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from leaves(child, (*path, index))
    else:
        yield path


def replaced(value, path, new):
    if not path:
        return new
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def main(base_url: str) -> int:
    fuzzer = Fuzzer(base_url)
    connection = http.client.HTTPConnection(fuzzer.host, fuzzer.port, timeout=60)
    connection.request("GET", "/api/schema/?format=json")
    schema = json.loads(connection.getresponse().read())
    callers = {
        "anonymous": None,
        "person": os.environ.get("FUZZ_PERSON_TOKEN"),
        "service": os.environ.get("FUZZ_SERVICE_TOKEN"),
    }
    reads = []
    for template, operations in schema["paths"].items():
        for method, operation in operations.items():
            method = method.upper()
            if operation.get("operationId") in KEEP_CALLERS_TOKENS:
                continue
            params = operation.get("parameters", [])
            path_params = [p["name"] for p in params if p["in"] == "path"]
            query_params = [p["name"] for p in params if p["in"] == "query"]
            path = re.sub(r"\{[^}]+\}", "1", template)
            if method == "GET" and not path_params:
                reads.append(path)
            body_schema = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            for token in callers.values():
                for value in PATH_VALUES:
                    hostile_path = template
                    for name in path_params:
                        hostile_path = hostile_path.replace(
                            "{" + name + "}", urllib.parse.quote(value)
                        )
                    if path_params:
                        fuzzer.request(method, hostile_path, token=token)
                for name in query_params:
                    for value in QUERY_VALUES:
                        query = urllib.parse.urlencode({name: value})
                        fuzzer.request(method, f"{path}?{query}", token=token)
                if body_schema is None:
                    continue
                base = skeleton(schema, body_schema)
                status = fuzzer.request(method, path, token=token, body=base)
                fuzzer.request(method, path, token=token, body={"x": DEEP})
                if status in (401, 403):
                    continue  # refused before the body is read: the rest would say the same
                padding = "1" * OVERSIZE
                fuzzer.request(method, path, token=token, raw=f'{{"x": "{padding}"}}'.encode())
                for leaf in leaves(base):
                    for value in [*HOSTILE_VALUES, DEEP]:
                        fuzzer.request(method, path, token=token, body=replaced(base, leaf, value))
    # Whatever the hostile writes stored, every read still answers.
    for path in reads:
        for token in callers.values():
            fuzzer.request("GET", path, token=token)
    print(f"hostile values: {fuzzer.sent} requests, {len(fuzzer.failures)} failures")
    for failure in fuzzer.failures[:50]:
        print("  " + failure)
    return 1 if fuzzer.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
