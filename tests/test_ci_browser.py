"""Under CI=true a browser test without its browser fails; elsewhere it is skipped with the reason."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT

PROBE = '''
import pytest

@pytest.mark.browser
def test_needs_a_browser():
    pass

@pytest.mark.browser
@pytest.mark.skipif(True, reason="a test's own skip mark does not hide the missing browser in CI")
def test_with_its_own_skip():
    pass

def test_plain():
    pass
'''


def run_probe(tmp_path, ci: str):
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    browser: needs a browser\n")
    env = {**os.environ, "CI": ci, "EMBEDLAB_CHROMIUM": str(tmp_path / "no-chromium-here"),
           "PYTHONPATH": str(ROOT / "tests")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rEs", "-p", "no:cacheprovider",
                           "-p", "browser_required", str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ci", ["true", ""])
def test_missing_browser_fails_under_ci_and_skips_elsewhere(tmp_path, ci):
    out = run_probe(tmp_path, ci)
    if ci:
        assert out.returncode == 1, out.stdout
        assert "1 passed, 2 errors" in out.stdout and "CI=true, and browser tests cannot run" in out.stdout
        assert "no-chromium-here is missing" in out.stdout
    else:
        assert out.returncode == 0, out.stdout
        assert "1 passed, 2 skipped" in out.stdout and "no-chromium-here is missing" in out.stdout
