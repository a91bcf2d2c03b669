"""Checking recorded exchanges against OSCAR's Swagger 2.0 description (data/oscar-v4.1.2-swagger2.yaml).

For every request the emulator saw: the path and method exist in the spec; query parameters
are declared; a JSON body validates against the body parameter's schema; the Authorization
scheme is one the operation's security allows; the answer's status is declared; a JSON answer
validates against the declared schema and uses no property names the schema does not declare.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, List, Optional, Tuple

import jsonschema
import yaml

SPEC_PATH = os.path.join(os.path.dirname(__file__), "data", "oscar-v4.1.2-swagger2.yaml")

# Behaviours of OSCAR 4.1.2 that its generated spec leaves out (see the reference, section 2):
# POST /system/services answers 409 for an existing name; GET /system/logs returns JSON {"logs": [...]}
# although the spec says text; the spec lists GET /system/logs/ with a trailing slash only.
KNOWN_EXTRA_STATUSES = {("POST", "/system/services"): {409}, ("GET", "/system/logs/{serviceName}"): {400}}
TEXT_SCHEMA_BUT_JSON = {("GET", "/system/logs/"), ("GET", "/system/metrics/breakdown"),
                        ("POST", "/system/federation/{serviceName}"), ("PUT", "/system/federation/{serviceName}"),
                        ("DELETE", "/system/federation/{serviceName}")}
NOT_IN_SPEC = ("/oidc/",)


class SpecError(AssertionError):
    pass


class Spec:
    def __init__(self, path: str = SPEC_PATH) -> None:
        with open(path, "r", encoding="utf-8") as handle:
            self.doc = yaml.safe_load(handle)
        self.definitions = self.doc["definitions"]
        self._validators: Dict[str, Any] = {}
        self.routes: List[Tuple[re.Pattern, str]] = []
        for template in self.doc["paths"]:
            pattern = "^" + re.sub(r"\{[^/]+\}", "[^/]+", template.rstrip("/")) + "/?$"
            self.routes.append((re.compile(pattern), template))
        # literal paths before templated ones (/system/metrics/breakdown vs /system/metrics/{serviceName})
        self.routes.sort(key=lambda r: r[1].count("{"))

    def operation(self, method: str, path: str) -> Tuple[str, Dict[str, Any]]:
        for pattern, template in self.routes:
            if pattern.match(path):
                ops = self.doc["paths"][template]
                if method.lower() in ops:
                    return template, ops[method.lower()]
        raise SpecError(f"{method} {path} is not an operation of the spec")

    def validate(self, value: Any, schema: Dict[str, Any]) -> None:
        """jsonschema validation (Draft 4, as Swagger 2.0), validators cached per schema."""
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            validator = jsonschema.Draft4Validator(dict(schema, definitions=self.definitions))
            self._validators[key] = validator
        validator.validate(value)

    def resolve(self, schema: Dict[str, Any]) -> Dict[str, Any]:
        while "$ref" in schema:
            schema = self.definitions[schema["$ref"].split("/")[-1]]
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.resolve(schema["allOf"][0])
        return schema

    def undeclared(self, schema: Dict[str, Any], value: Any, where: str = "$") -> List[str]:
        """Property names in ``value`` that ``schema`` does not declare (recursively)."""
        schema = self.resolve(schema)
        found: List[str] = []
        if isinstance(value, dict) and schema.get("type") == "object":
            props = schema.get("properties")
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                if props is not None and key in props:
                    found += self.undeclared(props[key], item, f"{where}.{key}")
                elif isinstance(extra, dict):
                    found += self.undeclared(extra, item, f"{where}.{key}")
                elif props is not None:
                    found.append(f"{where}.{key}")
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                found += self.undeclared(schema["items"], item, f"{where}[{i}]")
        return found

    def check(self, ex: Any, strict_response: bool = True) -> Optional[str]:
        """Validate one recorded exchange; returns the matched template (None when not in the spec)."""
        if ex.path.startswith(NOT_IN_SPEC):
            return None
        template, op = self.operation(ex.method, ex.path)
        key = (ex.method, template)
        params = {p["name"]: p for p in op.get("parameters", [])}
        for name in ex.query:
            if params.get(name, {}).get("in") != "query":
                if not (key == ("GET", "/system/logs/") and name in ("timestamps", "previous")):
                    raise SpecError(f"{ex.method} {ex.path}: query parameter {name!r} is not declared")
        body_param = next((p for p in params.values() if p["in"] == "body"), None)
        if ex.body and body_param is not None and "$ref" in body_param["schema"] and 200 <= ex.status < 300:
            try:
                self.validate(json.loads(ex.body), body_param["schema"])
            except jsonschema.ValidationError as exc:
                raise SpecError(f"{ex.method} {ex.path}: request body does not match: {exc.message}") from exc
        self._check_auth(ex, op)
        declared = {int(code) for code in op["responses"]}
        if ex.status not in declared | KNOWN_EXTRA_STATUSES.get(key, set()):
            raise SpecError(f"{ex.method} {ex.path}: status {ex.status} is not declared ({sorted(declared)})")
        response = op["responses"].get(str(ex.status)) or {}
        schema = response.get("schema")
        content_type = ex.response_headers.get("Content-Type", "")
        if schema is None or not ex.response_body:
            return template
        if schema.get("type") == "string":
            if key not in TEXT_SCHEMA_BUT_JSON and "json" in content_type and ex.status < 300:
                raise SpecError(f"{ex.method} {ex.path}: spec says text, answer is {content_type}")
            return template
        if "json" not in content_type:
            raise SpecError(f"{ex.method} {ex.path}: expected JSON, got {content_type}")
        value = json.loads(ex.response_body)
        try:
            self.validate(value, schema)
        except jsonschema.ValidationError as exc:
            raise SpecError(f"{ex.method} {ex.path}: answer does not match the schema: {exc.message}") from exc
        if strict_response:
            extra = self.undeclared(schema, value)
            if extra:
                raise SpecError(f"{ex.method} {ex.path}: answer has undeclared properties {extra}")
        return template

    @staticmethod
    def _check_auth(ex: Any, op: Dict[str, Any]) -> None:
        schemes = {name for entry in op.get("security") or [] for name in entry}
        header = ex.headers.get("Authorization", "")
        if not schemes:
            return
        if ex.status == 401 and not header:
            return
        if header.startswith("Basic ") and "BasicAuth" not in schemes:
            if ex.status != 401:
                raise SpecError(f"{ex.method} {ex.path}: Basic auth accepted where the spec allows {schemes}")
        if header.startswith("Bearer ") and "BearerAuth" not in schemes and ex.status != 401:
            raise SpecError(f"{ex.method} {ex.path}: Bearer auth accepted where the spec allows {schemes}")
        if not header and ex.status < 400:
            raise SpecError(f"{ex.method} {ex.path}: answered {ex.status} without credentials")


_SPEC: Optional[Spec] = None


def spec() -> Spec:
    global _SPEC
    if _SPEC is None:
        _SPEC = Spec()
    return _SPEC


def check_all(exchanges: List[Any], strict_response: bool = True) -> List[str]:
    """Validate every exchange; returns the covered ``METHOD template`` strings."""
    covered = []
    for ex in exchanges:
        template = spec().check(ex, strict_response)
        if template is not None:
            covered.append(f"{ex.method} {template}")
    return covered
