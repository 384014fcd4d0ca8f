"""SPEC.md §8: the apps depend on each other in one direction, and the wallet reads
enrollment only through its door (selectors and signals). `.importlinter` holds the
contracts; these tests show they hold for the code and would catch a wrong import."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "enrollment", "wallet", "refunds", "config")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    """The apps and the contracts, copied, so a test can add one wrong import to them."""
    copy = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / ".importlinter", copy)
    for app in APPS:
        shutil.copytree(
            ROOT / app, copy / app, ignore=shutil.ignore_patterns("__pycache__", "migrations")
        )
    return copy


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("accounts/wrong.py", "from enrollment.models import Enrollment", "The core"),
        ("accounts/wrong.py", "import wallet.selectors", "The core"),
        ("enrollment/wrong.py", "from wallet.models import Wallet", "Enrollment imports"),
        ("wallet/wrong.py", "from enrollment.models import Enrollment", "The wallet reads"),
        ("wallet/wrong.py", "from enrollment.services import feed", "The wallet reads"),
        ("refunds/wrong.py", "from enrollment.history import was_retired", "Refunds read"),
        ("accounts/wrong.py", "import refunds.selectors", "The core"),
    ],
)
def test_a_wrong_import_breaks_a_contract(project_copy, module, line, contract):
    wrong = project_copy / module
    wrong.write_text(line + "\n")
    try:
        result = lint_imports(project_copy)
    finally:
        wrong.unlink()
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    assert module.replace("/", ".").removesuffix(".py") in broken


def test_the_copy_without_a_wrong_import_is_kept(project_copy):
    """The copy itself passes: the failures above come from the wrong import alone."""
    assert lint_imports(project_copy).returncode == 0
