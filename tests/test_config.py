"""Settings come from defaults < civicai.toml < CIVICAI_* environment < CLI flags."""
from __future__ import annotations

import pytest

from civicai.config import get_settings
from civicai.errors import CivicaiError


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in ("CIVICAI_SEED", "CIVICAI_GENERATOR", "CIVICAI_THREADS", "CIVICAI_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_precedence_file_then_env_then_flags(clean_env, tmp_path):
    assert get_settings().seed == 0
    (tmp_path / "civicai.toml").write_text("[civicai]\nseed = 7\nthreads = 3\n")
    assert (get_settings().seed, get_settings().threads) == (7, 3)
    clean_env.setenv("CIVICAI_SEED", "11")
    assert get_settings().seed == 11 and get_settings().threads == 3
    assert get_settings(seed=42).seed == 42
    assert get_settings(seed=None).seed == 11  # an unset CLI flag does not override


def test_invalid_setting_names_field_and_fix(clean_env):
    clean_env.setenv("CIVICAI_GENERATOR", "gpt-17")
    with pytest.raises(CivicaiError) as err:
        get_settings()
    assert "generator" in err.value.message and "CIVICAI_GENERATOR" in err.value.hint


def test_broken_config_file_is_named(clean_env, tmp_path):
    (tmp_path / "civicai.toml").write_text("seed = = 3\n")
    with pytest.raises(CivicaiError) as err:
        get_settings()
    assert "civicai.toml" in err.value.message


def test_secrets_are_masked_in_manifests(clean_env):
    public = get_settings(openai_api_key="sk-secret", database_url="postgresql+psycopg://u:pw@db:5432/x").public_dict()
    assert public["openai_api_key"] == "***"
    assert "pw" not in public["database_url"] and "db:5432/x" in public["database_url"]
