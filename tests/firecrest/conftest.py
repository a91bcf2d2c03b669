"""Fixtures for the firecrest tests: a recording emulator whose every exchange is checked against
the FirecREST v1.16 API description (``data/firecrest-v1.16-openapi.yaml``) when the test ends."""
from __future__ import annotations

import copy
import os
import re
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import yaml
from openapi_schema_validator import OAS30Validator

import firecrest as fc
from firecrest.testing import FirecrestEmulator

SPEC_PATH = os.path.join(os.path.dirname(__file__), "data", "firecrest-v1.16-openapi.yaml")
FAST = dict(task_seconds=0.01, pending_seconds=0.05, staging_seconds=0.01, record=True)
QUICK_POLLS = [0.01] * 3000

# --------------------------------------------------------------------------- where the server and the
# API description disagree (see ../shared/specs/README.md and the firecrest reference); each entry
# is the server's real behaviour, which the emulator and the client follow.
EXTRA_QUERY = {("GET", "/compute/reservations"): {"reservations"}}  # the spec misnames it `partitions`
EXTRA_FORM = {("PUT", "/reservations/{reservation}"): {"account"}}  # pyfirecrest sends it, the server reads it
NOT_REQUIRED = {("PUT", "/reservations/{reservation}"): {"reservation"}}  # it is the path parameter
EXTRA_STATUS = {
    ("DELETE", "/compute/jobs/{jobid}"): {200},  # documented as 204; the server answers 200
    ("GET", "/tasks/{taskid}"): {403, 404},
    ("POST", "/utilities/upload"): {413},  # Flask's MAX_CONTENT_LENGTH
    ("GET", "/status/filesystems/{machinename}"): {404},
}
ANY_STATUS = {401, 429}  # the gateway's answers, possible on every endpoint
ANY_ERROR_HEADER = {"X-Machine-Does-Not-Exist", "X-Machine-Not-Available"}
EXTRA_ERROR_HEADERS = {  # produced by the server's generic error parsing for these commands
    ("GET", "/utilities/ls"): {"X-Not-A-Directory"},
    ("GET", "/utilities/head"): {"X-A-Directory", "X-Not-A-Directory"},
    ("GET", "/utilities/tail"): {"X-A-Directory", "X-Not-A-Directory"},
    ("GET", "/utilities/download"): {"X-A-Directory"},
    ("PUT", "/utilities/rename"): {"X-A-Directory", "X-Not-A-Directory"},
    ("POST", "/utilities/copy"): {"X-Not-A-Directory"},
    ("POST", "/utilities/symlink"): {"X-Not-A-Directory"},
    ("POST", "/utilities/upload"): {"X-Not-A-Directory"},
    ("GET", "/utilities/checksum"): {"X-Not-A-Directory"},
}


def _schema_fixes(spec: Dict[str, Any]) -> None:
    """The response schemas that contradict the server, corrected to what it sends."""
    schemas = spec["components"]["schemas"]
    entry = {"type": "object", "properties": {"name": {"type": "string"}, "unit": {"type": "string"},
                                              "description": {"type": "string"}}}
    schemas["Parameters"]["properties"]["out"] = {  # lists of entries, not one object
        "type": "object", "additionalProperties": {"type": "array", "items": entry}}
    schemas["Service"]["properties"]["status_code"] = {"type": "integer"}  # an HTTP status, not an enum
    schemas["System"]["properties"]["status"]["enum"] = ["available", "not available"]
    schemas["Filesystem"]["properties"]["status"]["enum"] = ["available", "not available"]
    schemas["Task"]["properties"]["data"] = {}  # object or string (the spec's own Task-*-400 say string)
    schemas["Tasks"] = {"type": "object", "required": ["tasks"], "properties": {  # {"tasks": {id: task}}
        "tasks": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Task"}}}}
    system = spec["paths"]["/status/systems/{machinename}"]["get"]["responses"]["200"]["content"]["*/*"]
    system["schema"] = {"type": "object", "required": ["out"], "properties": {  # wrapped in "out"
        "description": {"type": "string"}, "out": {"$ref": "#/components/schemas/System"}}}


class SpecContract:
    """Checks recorded exchanges against the API description."""

    def __init__(self, path: str = SPEC_PATH) -> None:
        with open(path) as f:
            self.spec = yaml.safe_load(f)
        _schema_fixes(self.spec)
        self._templates: List[Tuple[re.Pattern, str]] = []
        for template in self.spec["paths"]:
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "/?$"
            self._templates.append((re.compile(pattern), template))
        # literal paths win over templated ones (/compute/jobs/upload vs /compute/jobs/{jobid})
        self._templates.sort(key=lambda item: item[1].count("{"))

    def resolve(self, node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target: Any = self.spec
                for part in node["$ref"].lstrip("#/").split("/"):
                    target = target[part]
                return self.resolve(copy.deepcopy(target))
            return {k: self.resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve(v) for v in node]
        return node

    def operation(self, method: str, path: str) -> Tuple[Optional[str], Optional[Dict[str, Any]], List[Any]]:
        for pattern, template in self._templates:
            if pattern.match(path):
                item = self.spec["paths"][template]
                op = item.get(method.lower())
                if op is not None:
                    return template, op, [self.resolve(p) for p in item.get("parameters", [])]
        return None, None, []

    def problems(self, ex: Any) -> List[str]:
        if ex.endpoint == "token":
            return []
        template, op, path_params = self.operation(ex.method, ex.path)
        if op is None:
            return [f"{ex.method} {ex.path} is not in the API description"]
        key = (ex.method, template)
        found: List[str] = []
        params = path_params + [self.resolve(p) for p in op.get("parameters", [])]
        query = {p["name"] for p in params if p["in"] == "query"} | EXTRA_QUERY.get(key, set())
        for name in ex.args:
            if name not in query:
                found.append(f"{key}: query parameter {name!r} is not described")
        for p in params:
            if p.get("required") and p["in"] == "query" and p["name"] not in ex.args:
                found.append(f"{key}: required query parameter {p['name']!r} missing")
            if p.get("required") and p["in"] == "header" and p["name"] not in ex.headers:
                found.append(f"{key}: required header {p['name']!r} missing")
        body = op.get("requestBody")
        sent = set(ex.form) | set(ex.files)
        if body is not None:
            schema = self.resolve(next(iter(body["content"].values()))["schema"])
            allowed = set(schema.get("properties", {})) | EXTRA_FORM.get(key, set())
            for name in sent - allowed:
                found.append(f"{key}: form field {name!r} is not described")
            for name in set(schema.get("required", [])) - sent - NOT_REQUIRED.get(key, set()):
                found.append(f"{key}: required form field {name!r} missing")
        elif sent:
            found.append(f"{key}: sends a body the description does not have ({sorted(sent)})")
        responses = op.get("responses", {})
        status = ex.status
        if str(status) not in responses and status not in ANY_STATUS | EXTRA_STATUS.get(key, set()):
            found.append(f"{key}: status {status} is not described (described: {sorted(responses)})")
            return found
        described = self.resolve(responses.get(str(status), {}))
        error_headers = {h for h in ex.response_headers if h.startswith("X-")}
        allowed_headers = set(described.get("headers", {})) | ANY_ERROR_HEADER | EXTRA_ERROR_HEADERS.get(key, set())
        for header in error_headers - allowed_headers:
            found.append(f"{key}: {status} carries {header}, which is not described")
        content = described.get("content") or {}
        if ex.body is not None and content and status != 204:
            schema = next(iter(content.values())).get("schema")
            if schema and schema.get("format") != "binary":
                if template == "/tasks/{taskid}" and status == 200:
                    schema = {"type": "object", "properties": {"task": {"$ref": "#/components/schemas/Task"}}}
                found += [f"{key} {status}: {e.message} at {list(e.path)}"
                          for e in OAS30Validator(self.resolve(schema)).iter_errors(ex.body)]
        if template == "/tasks" and isinstance(ex.body, dict):
            found += self._task_problems(ex.body.get("tasks", {}))
        return found

    def _task_problems(self, tasks: Dict[str, Any]) -> List[str]:
        """Staged-transfer tasks also match the description's per-status task schemas."""
        names = {"110": "Task-Storage-Ext-Upload-110", "111": "Task-Storage-Ext-Upload-111",
                 "112": "Task-Storage-Ext-Upload-112", "113": "Task-Storage-Ext-Upload-113",
                 "114": "Task-Storage-Ext-Upload-114", "115": "Task-Storage-Ext-Upload-115",
                 "116": "Task-Storage-Ext-Download-116", "117": "Task-Storage-Ext-Download-117",
                 "118": "Task-Storage-Ext-Download-118"}
        found = []
        for task in tasks.values():
            name = names.get(task.get("status"))
            if name:
                schema = self.resolve({"$ref": f"#/components/schemas/{name}"})
                found += [f"task {task['status']}: {e.message} at {list(e.path)}"
                          for e in OAS30Validator(schema).iter_errors(task)]
        return found

    def assert_conform(self, exchanges: List[Any]) -> None:
        found = [p for ex in exchanges for p in self.problems(ex)]
        assert not found, "exchanges that disagree with the API description:\n" + "\n".join(sorted(set(found)))


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "off_spec: the test sends requests the API description does not allow")
    config.addinivalue_line("markers", "emulator(**options): FirecrestEmulator options for the test")


@pytest.fixture(scope="session")
def spec() -> SpecContract:
    return SpecContract()


@pytest.fixture
def emu(request: Any, spec: SpecContract) -> Iterator[FirecrestEmulator]:
    """A fast, recording emulator; at teardown its exchanges must agree with the API description."""
    options = dict(FAST)
    marker = request.node.get_closest_marker("emulator")
    if marker is not None:
        options.update(marker.kwargs)
    with FirecrestEmulator(**options) as emulator:
        yield emulator
    if request.node.get_closest_marker("off_spec") is None:
        spec.assert_conform(emulator.app.exchanges)


@pytest.fixture
def client(emu: FirecrestEmulator) -> Iterator[fc.v1.Firecrest]:
    c = fc.v1.Firecrest(emu.url, authorization=emu.auth)
    c.polling_sleep_times = list(QUICK_POLLS)
    yield c
    c.close()


def wait_for_job(client: Any, machine: str, jobid: Any, timeout: float = 10.0) -> Dict[str, Any]:
    """Poll until the job has left the queue; returns its accounting record."""
    import time

    deadline = time.monotonic() + timeout
    while client.poll_active(machine, [jobid]):
        if time.monotonic() > deadline:
            raise AssertionError(f"job {jobid} still queued after {timeout} s")
        time.sleep(0.02)
    return client.poll(machine, [jobid])[0]


@pytest.fixture
def job_waiter() -> Any:
    return wait_for_job
