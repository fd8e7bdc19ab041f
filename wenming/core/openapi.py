"""The NinjaAPI the platform serves: its OpenAPI document declares, for every operation, the
error statuses it can answer, in one place instead of a `response={...}` on each endpoint.

What can be known of an operation decides them:
- any input (path, query, body): 400 (a service refused it), 404 (an id in it names no row
  in the caller's scope) and 422 (it failed validation);
- required login: 404 too (objects outside the caller's scope are not found);
- a body: 400 for JSON that does not parse, 413 for one over the upload limit; an uploaded
  file: 415 when it is not of a kind the operation reads;
- required login: 401 and 403 (outside the caller's role); a session caller's write without
  its CSRF token: 403;
- a write (POST/PUT/PATCH/DELETE): 409 (a state, quota or stock conflict);
- a write open to anonymous callers (login, registration): 401 (wrong credentials) and 429
  (lockout).
Each error is the component `Error`: {"error": {"code", "message"}}.
"""

from http import HTTPStatus

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$",
                     "description": "snake_case, stable: clients branch on it"},
            "message": {"type": "string",
                        "description": "for people, in the caller's language (Accept-Language)"},
        },
    }},
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
BODY_SOURCES = {"body", "form", "file"}


def requires_login(operation) -> bool:
    from wenming.core.auth import anonymous

    callbacks = operation.auth_callbacks or []
    return bool(callbacks) and anonymous not in callbacks


def error_statuses(operation, method: str) -> set[int]:
    sources = {model.__ninja_param_source__ for model in operation.models}
    login = requires_login(operation)
    statuses: set[int] = set()
    if sources:  # an id in the path, the query or the body may name no row in scope
        statuses |= {400, 404, 422}
    if login:
        statuses.add(404)
    if sources & BODY_SOURCES:
        statuses |= {400, 413}
    if "file" in sources:
        statuses.add(415)
    if login:
        statuses |= {401, 403}
    elif operation.auth_callbacks and method in WRITES:
        statuses.add(403)
    if method in WRITES:
        statuses.add(409)
        if not login:  # login and registration: wrong credentials, lockout
            statuses |= {401, 429}
    return statuses


class PlatformOpenAPI(OpenAPISchema):
    def operation_details(self, operation) -> dict:
        """An operation open to visitors (its auth ends with `anonymous`) lists the empty
        requirement `{}` among its security, as OpenAPI spells "login optional"."""
        from wenming.core.auth import anonymous

        details = super().operation_details(operation)
        if anonymous in (operation.auth_callbacks or []):
            details["security"] = [*details.get("security", []), {}]
        return details

    def methods(self, operations: list) -> dict:
        result = super().methods(operations)
        for operation in operations:
            if not operation.include_in_schema:
                continue
            for method in operation.methods:
                responses = result[method.lower()]["responses"]
                for status in error_statuses(operation, method) | set(responses):
                    if int(status) >= 400:  # every error is the one shape, declared or not
                        responses[status] = {
                            "description": HTTPStatus(int(status)).phrase,
                            "content": {"application/json": {"schema": ERROR_REF}}}
                result[method.lower()]["responses"] = dict(
                    sorted(responses.items(), key=lambda item: int(item[0])))
        return result

    def get_components(self) -> dict:
        components = super().get_components()
        components["schemas"]["Error"] = ERROR_SCHEMA
        return components


class PlatformAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return PlatformOpenAPI(self, path_prefix)
