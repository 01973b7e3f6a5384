"""kulkuri installs as an editable checkout and as a built wheel, with clear import names."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import kulkuri.shared

REPO = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = {"cli": "kulkuri/cli", "shared": "kulkuri/shared"} | {
    f"services/{service.name}": f"kulkuri/{service.name}"
    for service in sorted((REPO / "services").iterdir())
    if (service / "__init__.py").exists()
}
# Files the code reads at run time: data, templates, samples, migration templates.
DATA_SUFFIXES = {".csv", ".toml", ".html", ".css", ".mako", ".typed"}


def _expected_packages() -> set[str]:
    """Every folder with an __init__.py in the source roots, under its import path."""
    found = set()
    for source, target in SOURCE_ROOTS.items():
        for init in (REPO / source).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / source)
            found.add("/".join(filter(None, [target, relative.as_posix().strip(".")])))
    return found


def _expected_data_files() -> set[str]:
    found = set()
    for source, target in SOURCE_ROOTS.items():
        for path in (REPO / source).rglob("*"):
            if path.suffix in DATA_SUFFIXES and "__pycache__" not in path.parts:
                found.add(f"{target}/{path.relative_to(REPO / source).as_posix()}")
    return found


def test_the_editable_install_imports_from_the_repository() -> None:
    assert Path(kulkuri.shared.__file__).resolve().is_relative_to(REPO / "shared")


def test_the_console_script_has_a_command_per_service() -> None:
    script = Path(sys.executable).parent / "kulkuri"
    result = subprocess.run([script, "--help"], capture_output=True, text=True, check=True)
    for command in ("up", "holds", "migrate", "schemas"):
        assert command in result.stdout
    holds = subprocess.run([script, "holds", "--help"], capture_output=True, text=True, check=True)
    assert "run" in holds.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("kulkuri-*.whl")
    return built


def test_the_wheel_holds_every_package_its_data_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {name.rsplit("/", 1)[0] for name in names if name.endswith("/__init__.py")}
    assert _expected_packages() <= packages, "pyproject.toml's package list is missing some"
    missing = sorted(_expected_data_files() - names)
    assert not missing, f"pyproject.toml's package data is missing {missing}"
    for needed in (
        "kulkuri/shared/data/finnish_libraries.csv",
        "kulkuri/shared/py.typed",
        "kulkuri/holds/migrations/env.py",
        "kulkuri/holds/migrations/script.py.mako",
        "kulkuri/holds/migrations/versions/0001_messaging_and_catalogue.py",
    ):
        assert needed in names, needed
    assert not any(name.startswith(("tests/", "bench/")) for name in names)


def test_the_installed_wheel_runs_without_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    probe = (
        "import kulkuri.shared, kulkuri.holds.bootstrap as b;"
        "from kulkuri.shared.libraries import load_outlets;"
        "print(kulkuri.shared.__file__);"
        "print(len(load_outlets('Lastu')));"
        "print(b.MIGRATIONS.script_location.joinpath('env.py').exists())"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(site)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    location, lastu, migrations = result.stdout.split()
    assert Path(location).is_relative_to(site)
    assert (lastu, migrations) == ("19", "True")
