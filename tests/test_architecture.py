"""The house rules that keep the apps easy to live in, checked on every run.

- The import contract (``[tool.importlinter]`` in pyproject.toml): each app imports only
  the apps below it, function-level imports included; ``core`` imports no domain app.
- Every app knows its layer: a new app must be placed in the contract (``exhaustive``).
- Indicators are told, not reaching: every record that counts has a registered fact
  source, and every metric a dashboard links to has a drill-down selector.
"""

import ast
import logging
from pathlib import Path

import pytest
from django.apps import apps
from importlinter.cli import lint_imports

from shegong.indicators import drilldown, facts
from shegong.indicators.definitions import SERVICE
from shegong.indicators.models import ServiceFact

ROOT = Path(__file__).resolve().parent.parent


def _lint() -> int:
    # import-linter configures logging with dictConfig's default, which disables every
    # logger it does not name (django.request among them) for the rest of the process
    loggers = [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    was = [logger.disabled for logger in loggers]
    try:
        return lint_imports(
            config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True
        )
    finally:
        for logger, disabled in zip(loggers, was, strict=True):
            logger.disabled = disabled


def test_the_import_contract_is_kept():
    assert _lint() == 0


def test_the_contract_breaks_on_an_upward_import_in_a_function():
    """The contract sees imports inside functions (the old way of hiding a cycle)."""
    probe = ROOT / "shegong" / "core" / "_contract_probe.py"
    probe.write_text("def f():\n    from shegong.work.models import Case\n\n    return Case\n")
    try:
        assert _lint() == 1
    finally:
        probe.unlink()


def _source_types_written() -> set[str]:
    return {s.name for s in facts.sources()}


def test_every_record_that_counts_has_a_registered_fact_source():
    names = _source_types_written()
    assert names == {
        "visit",
        "activity",
        "admin",
        "case",
        "caseentry",
        "group",
        "session",
        "person",
        "household",
        "training",
        "volunteer_event",
        "allocation",
    }
    for source in facts.sources():
        assert source.model._meta.app_label != "indicators"  # each app owns its builders
        assert source.records().model is source.model


@pytest.mark.parametrize("spec", SERVICE, ids=lambda s: s.code)
def test_every_service_metric_can_be_drilled_into(spec):
    assert drilldown.get(spec.code) is not None


def test_ruled_metrics_link_to_registered_drilldowns():
    for metric in ("workers", "training", "villages", "hours_prof", "hours_village"):
        assert drilldown.get(metric) is not None, metric


def test_indicators_reads_no_upper_app_model_by_name():
    """Indicators may name the people model only through its own relation."""
    assert ServiceFact._meta.get_field("recipient").related_model is apps.get_model(
        "people", "Recipient"
    )
    source = (ROOT / "shegong" / "indicators").rglob("*.py")
    for path in source:
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(
                    ("shegong.people", "shegong.work", "shegong.workforce")
                ), f"{path}: {node.module}"


BODILESS = {
    "/api/cases/{case_id}/steps/approve_plan",
    "/api/cases/{case_id}/steps/approve_closure",
    "/api/notifications/{notification_id}/read",
    "/api/notifications/read-all",
}


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_api_write_has_a_typed_request_body():
    """Every POST documents its body field by field (no untyped ``dict`` payloads)."""
    from shegong.api import api

    doc = api.get_openapi_schema(path_prefix="/api/")
    components = doc["components"]["schemas"]
    writes = 0
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            if method not in ("post", "put", "patch"):
                continue
            writes += 1
            if path in BODILESS:
                assert "requestBody" not in op, path
                continue
            content = op["requestBody"]["content"]
            # a file upload (a visit's photo) is multipart, its file typed as binary
            body = (content.get("application/json") or content["multipart/form-data"])["schema"]
            schema = _resolve(body, components)
            assert schema.get("properties"), f"{method.upper()} {path}: untyped body"
            for name, prop in schema["properties"].items():
                prop = _resolve(prop, components)
                typed = {"type", "anyOf", "enum", "const", "format", "items"} & set(prop)
                assert typed, f"{path}: {name} has no type"
    assert writes >= 12


def _calls(name: str) -> list[str]:
    """Modules (outside core and the API, which pages with django-ninja's ``@paginate``)
    that call ``name`` directly."""
    found = []
    for path in (ROOT / "shegong").rglob("*.py"):
        if "migrations" in path.parts or path.parts[-2] == "core" or path.name == "api.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called == name:
                    found.append(str(path.relative_to(ROOT)))
    return found


def test_every_list_and_export_goes_through_the_list_helper():
    """Lists page and export through ``core.lists.list_page`` (paging, filters, the audit of
    every export, personal-data permission): no view pages or exports by hand."""
    assert _calls("paginate") == []
    assert _calls("export_response") == []


def test_create_and_edit_share_one_view():
    """Where a record can be both created and edited, one view does both (``pk=None``
    for a new one), so the two can never apply different rules."""
    from django.urls import get_resolver

    resolver = get_resolver()
    views: dict[str, object] = {}

    def walk(patterns, namespace=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif p.name:
                views[namespace + p.name] = p.callback

    walk(resolver.url_patterns)
    pairs = 0
    for name, view in views.items():
        if not name.endswith("edit"):
            continue
        create = name[: -len("edit")] + "create"
        if create in views:
            pairs += 1
            assert views[create] is view, f"{create} and {name} are different views"
    assert pairs >= 5


def _public_functions(kind: str):
    """Public functions of every ``<app>/<kind>.py`` and ``<app>/<kind>/*.py``."""
    paths = [*(ROOT / "shegong").glob(f"*/{kind}.py"), *(ROOT / "shegong").glob(f"*/{kind}/*.py")]
    for path in sorted(paths):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                yield f"{path.relative_to(ROOT)}:{node.name}", node


@pytest.mark.parametrize("kind", ["services", "selectors"])
def test_every_public_service_and_selector_is_typed_keyword_only_and_documented(kind):
    """What a caller (a page, the API, an import, a test) may rely on is in the signature
    and the docstring: keyword-only, every parameter and the result typed."""
    found = 0
    for name, node in _public_functions(kind):
        found += 1
        args = node.args
        assert not args.args and not args.posonlyargs, f"{name}: positional parameters"
        untyped = [a.arg for a in args.kwonlyargs if a.annotation is None]
        assert not untyped, f"{name}: untyped {untyped}"
        assert node.returns is not None, f"{name}: no return type"
        assert ast.get_docstring(node), f"{name}: no docstring"
    assert found >= 20


def test_no_service_takes_a_form():
    """Services take data (a typed input), never a bound form."""
    for name, node in _public_functions("services"):
        assert "form" not in {a.arg for a in node.args.kwonlyargs}, name


def _system_clock_calls() -> list[str]:
    """``date.today()`` and naive ``datetime.now()`` in the project's code (migrations
    aside): they read the machine's clock and zone (UTC on most servers)."""
    found = []
    for path in sorted((ROOT / "shegong").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and (
                    (node.func.attr == "today" and not node.args)
                    or (node.func.attr == "now" and not node.args and not node.keywords)
                )
                and isinstance(node.func.value, (ast.Name, ast.Attribute))
                and getattr(node.func.value, "attr", getattr(node.func.value, "id", ""))
                in ("date", "datetime")
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_calendar_is_the_deployments_not_the_servers():
    """A day is a day in Asia/Shanghai (``TIME_ZONE``): ``timezone.localdate()`` and
    ``timezone.now()``. From 00:00 to 08:00 a server on UTC is still on yesterday, and a
    visit typed for today would be "in the future" there."""
    assert _system_clock_calls() == []


def test_a_record_of_today_is_not_in_the_future_before_eight_in_the_morning(monkeypatch):
    """00:30 in Shanghai is 16:30 UTC the day before: a newborn registered that night (born
    "today", in the deployment's calendar) has a possible birth date."""
    import datetime

    from django.utils import timezone

    from shegong.core.validators import id_check_char, parse_id_number

    far = datetime.date(2030, 1, 1)  # the deployment's today, whatever the machine's date
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: far)
    first17 = "43030220300101001"
    assert parse_id_number(first17 + id_check_char(first17)).birth_date == far


def test_templates_link_to_pages_without_arguments_through_the_resolved_once_tag():
    """A template's link to a page that takes no argument is ``{% link 'name' %}``
    (``core.links.url_of``: resolved once a process), not ``{% url 'name' %}`` (a reverse
    on every render: a county officer's home page made ~40)."""
    import re

    plain = re.compile(r"\{%\s*url\s+['\"][\w:-]+['\"]\s*%\}")
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "shegong" / "templates").rglob("*.html"))
        for match in plain.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
