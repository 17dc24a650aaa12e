"""Issue 16: the audit names the group that was pushed out, whatever its size.

Each group is compared with the rest of the population, so harm to the largest group (the old reference)
is found on it and not mirrored onto every other group. Ground truth: real Polis comments with a made-up
district column (A largest ... E smallest shown, F too small to show); an injected district's texts are cut
to two words, so the real pipeline cannot place them in a theme.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from civicai.bias import load_run, measure
from civicai.bias.synthetic import TINY_DISTRICT, Bias, districted_consultation, make_run, polis_texts

VOICE_ORDER = ("accepted", "assigned", "quoted", "cited")


def _flagged_groups(findings, column: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.group for f in findings if f.flagged and f.group_column == column}


def test_largest_group_never_placed_is_flagged_and_no_other(tmp_path: Path) -> None:
    """Synthetic run: Riverside (35%, the largest district) is always left unassigned."""
    run_dir = make_run(tmp_path / "run", seed=4, n=1500, bias=Bias("district", "Riverside", "assigned"))
    findings, _ = measure(load_run(run_dir), ["district", "age_band"], min_group_size=5, seed=0)
    assert _flagged_groups(findings, "district") == {"Riverside"}
    assigned = next(f for f in findings if f.flagged and f.stage == "assigned")
    assert assigned.direction == "under" and assigned.value == 0 and assigned.ci_high < 1
    assert assigned.reference_group == "rest"
    assert not {f for f in findings if f.flagged and f.group_column == "age_band" and f.kind == "voice"}


@pytest.fixture(scope="module")
def march_on_texts(shared_data: Path) -> list[str]:
    comments = shared_data / "polis" / "march-on.operation-marchin-orders" / "comments.csv"
    if not comments.is_file():
        pytest.skip(f"{comments} not found: the real-text injection tests need the shared Polis exports")
    return polis_texts(comments)


@pytest.mark.slow
@pytest.mark.parametrize("cut", [(), ("A",), ("E",), ("A", "E")], ids=["control", "largest", "smallest", "two"])
def test_real_pipeline_flags_only_the_injected_districts_at_assignment(
        march_on_texts: list[str], tmp_path: Path, cut: tuple[str, ...]) -> None:
    from civicai.pipeline import AnalyseOptions, run_analysis

    source = districted_consultation(march_on_texts, tmp_path / "input.csv", seed=1, n=600, cut=cut)
    run_analysis(AnalyseOptions(input_path=source, out_dir=tmp_path / "run", group_columns=("district",),
                                use_ner=False, store=False, progress=False, workers=1))
    findings, _ = measure(load_run(tmp_path / "run"), ["district", "language"], min_group_size=5, seed=0)
    if not cut:
        assert [f for f in findings if f.flagged] == []
    assert _flagged_groups(findings, "district") == set(cut)
    for group in cut:
        voice = [f for f in findings if f.group == group and f.group_column == "district" and f.kind == "voice"]
        first = min((VOICE_ORDER.index(f.stage) for f in voice if f.flagged), default=None)
        assert first == VOICE_ORDER.index("assigned"), f"{group} first flagged at stage {first}"
        assigned = next(f for f in voice if f.stage == "assigned")
        assert assigned.direction == "under" and set(cut) - {group} <= set(assigned.reference_excludes)
    tiny = [f for f in findings if f.group == TINY_DISTRICT]
    assert tiny and all(f.suppressed and f.value is None for f in tiny)
