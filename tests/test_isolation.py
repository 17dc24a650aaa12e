"""The suite survives a crash in a native library: tests marked `llm` run in a process of their own."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CRASHING_SUITE = '''
import ctypes
import pytest

@pytest.mark.llm
def test_native_crash():
    ctypes.string_at(0)  # reads address 0: SIGSEGV, as a broken native build would

@pytest.mark.llm
def test_native_failure_reports_its_assertion():
    assert 1 + 1 == 3

@pytest.mark.llm
def test_native_pass(tmp_path):
    assert tmp_path.is_dir()

@pytest.mark.llm
def test_native_skip():
    pytest.skip("no model here")

def test_after_the_crash():
    assert True
'''


def test_a_segfault_fails_one_test_and_the_suite_goes_on(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(f'import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n'
                                          'pytest_plugins = ["_isolation"]\n'
                                          'def pytest_configure(config):\n'
                                          '    config.addinivalue_line("markers", "llm: native model")\n')
    (tmp_path / "test_crash.py").write_text(CRASHING_SUITE)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # tests failed; pytest itself did not die (that would be -11)
    assert "2 failed, 2 passed, 1 skipped" in output, output
    assert "SKIPPED [1]" in output and "no model here" in output, output  # the summary reads the skip back
    assert "killed by signal SIGSEGV" in output, output
    assert "assert (1 + 1) == 3" in output or "assert 2 == 3" in output, output
