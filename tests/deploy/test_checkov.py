"""checkov finds nothing in the deployment files beyond the findings deploy/checkov-skips.yaml
accepts, each with its reason, and every accepted finding still occurs.

One offline run (``--skip-download``: no platform, no severities) over what gets deployed:
the Dockerfile, docker-compose.yml and .env.example, and the rendered manifests of every
overlay and of the national Strimzi topics. The base and ../strimzi are not scanned on their
own: they set no namespace (an overlay, or ``kubectl -n``, does), and every resource of theirs
is in an overlay. checkov has no Compose framework and no policy for Strimzi's KafkaTopic: its
secrets scan reads those files, and a canary file with a generated secret proves that scan
ran; test_strimzi.py checks the topics."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
import string
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import Render
from tests.deploy.deploy_support import (
    CHECKOV_SKIPS,
    COMPOSE_FILE,
    DOCKERFILE,
    ENV_EXAMPLE,
    K8S_DEPLOYMENTS,
    K8S_TOPICS,
    _run,
    _tool,
)

SCANNED_KUSTOMIZATIONS = {
    "small": K8S_DEPLOYMENTS["small"],
    "national": K8S_DEPLOYMENTS["national"],
    "national-strimzi": K8S_TOPICS["national/strimzi"][0],
}

WITH_POLICIES = {"small", "national"}  # checkov has policies for their kinds

CANARY = "canary-compose.yml"


@dataclasses.dataclass(frozen=True)
class Finding:
    check: str
    file: str  # as checkov names it: "/k8s-small.yaml"
    resource: str  # "Deployment/kulkuri-lanes" for manifests, checkov's own id otherwise
    title: str


@dataclasses.dataclass(frozen=True)
class Report:
    failed: list[Finding]
    passed_files: set[str]


def _resource(check_type: str, resource: str) -> str:
    if check_type == "kubernetes":  # Kind.namespace.name; names may hold dots
        kind, _, name = resource.split(".", 2)
        return f"{kind}/{name}"
    return resource


@pytest.fixture(scope="module")
def checkov(kustomize: Render, tmp_path_factory: pytest.TempPathFactory) -> Report:
    folder = tmp_path_factory.mktemp("checkov")
    for source in (DOCKERFILE, COMPOSE_FILE, ENV_EXAMPLE):
        shutil.copy(source, folder / source.name)
    for name, directory in SCANNED_KUSTOMIZATIONS.items():
        shutil.copy(kustomize(directory), folder / f"k8s-{name}.yaml")
    # The leak to catch: a real key written inline. 64 random letters and digits, far above
    # the scanner's entropy threshold, made up here and never committed. (In YAML the scan
    # flags only values under secret-looking keys, and misses those starting with "+".)
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))
    canary = f"services:\n  transport:\n    environment:\n      AUTH_TOKEN_SECRET: {secret}\n"
    (folder / CANARY).write_text(canary)
    result = _run(
        [
            _tool("checkov"),
            *("--skip-download", "--compact", "--output", "json", "--directory", folder),
            *("--framework", "dockerfile", "kubernetes", "secrets"),
            # .env.example is not a file type the secrets scan reads by default.
            "--enable-secret-scan-all-files",
        ],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "BC_SKIP_MAPPING": "TRUE"},
    )
    assert result.returncode in (0, 1), result.stderr  # 1: something failed
    reports = json.loads(result.stdout)
    failed, passed_files = [], set()
    for report in reports if isinstance(reports, list) else [reports]:
        kind = report["check_type"]
        for check in report["results"].get("failed_checks", []):
            resource = _resource(kind, check["resource"])
            title = check["check_name"]
            failed.append(Finding(check["check_id"], check["file_path"], resource, title))
        passed_files |= {c["file_path"] for c in report["results"].get("passed_checks", [])}
    return Report(failed, passed_files)


def _skips() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(CHECKOV_SKIPS.read_text())
    return entries


def _accepted_by(finding: Finding, skip: dict[str, Any]) -> bool:
    resources = skip.get("resources")
    return finding.check == skip["check"] and (resources is None or finding.resource in resources)


def _real(report: Report) -> list[Finding]:
    return [finding for finding in report.failed if finding.file != f"/{CANARY}"]


def test_checkov_finds_nothing_that_is_not_accepted_with_a_reason(checkov: Report) -> None:
    unaccepted = [f for f in _real(checkov) if not any(_accepted_by(f, s) for s in _skips())]
    assert not unaccepted, "\n".join(
        f"{f.check} {f.title}: {f.file} {f.resource}" for f in unaccepted
    )


def test_every_accepted_finding_still_occurs_and_says_why(checkov: Report) -> None:
    for skip in _skips():
        assert set(skip) <= {"check", "title", "resources", "reason"}, skip
        assert len(skip["reason"].split()) >= 15, skip["check"]  # a reason, not a label
        matched = [f for f in _real(checkov) if _accepted_by(f, skip)]
        assert matched, f"{skip['check']} no longer fails: remove it from {CHECKOV_SKIPS.name}"
        assert {f.title for f in matched} == {skip["title"]}, skip["check"]


def test_checkov_scanned_every_file(checkov: Report) -> None:
    # Policy checks passed on the Dockerfile and each manifest; the canary shows that the
    # secrets scan read compose-style files (it reports nothing for a file without findings).
    scanned = {f"/{DOCKERFILE.name}"} | {f"/k8s-{name}.yaml" for name in WITH_POLICIES}
    assert scanned <= checkov.passed_files, sorted(checkov.passed_files)
    canary = [f for f in checkov.failed if f.file == f"/{CANARY}"]
    assert canary and {f.check for f in canary} <= {"CKV_SECRET_6"}, canary


def test_checkov_finds_no_secret_in_the_repository_files(checkov: Report) -> None:
    secrets = [f for f in _real(checkov) if f.check.startswith("CKV_SECRET_")]
    assert not secrets, secrets
    assert not [s for s in _skips() if s["check"].startswith("CKV_SECRET_")]
