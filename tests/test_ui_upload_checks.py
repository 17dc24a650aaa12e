"""Issue 17, without a browser: which columns the staff workspace offers as group columns, how an earlier
analysis of the same file is found, and what export files are called."""
from __future__ import annotations

from datetime import date

from _api_support import SMALL_CSV


def test_demographic_columns_are_offered_and_ids_text_and_language_are_not() -> None:
    from civicai.workspace.analyses import preview

    info = preview(SMALL_CSV)
    assert info["group_columns"] == ["district", "age_band"]  # not id, text or the declared language


def test_group_candidates_need_repeated_values_in_most_rows() -> None:
    from civicai.workspace.upload_checks import group_candidates

    rows = [{"ward": f"W{i % 3}", "ref": f"X{i}", "gender": "" if i % 4 else "f", "postcode_area": "N1"}
            for i in range(40)]
    # ward: 3 values repeated; ref: unique per row; gender: filled in a quarter of rows; one value only: no group
    assert group_candidates(["ward", "ref", "gender", "postcode_area"], rows, skip=[]) == ["ward"]


def test_same_content_is_found_whatever_the_file_is_called(server, tmp_path) -> None:
    from civicai.store.db import session_scope
    from civicai.workspace.upload_checks import earlier_analyses, file_sha256

    copy = tmp_path / "renamed.csv"
    copy.write_bytes(SMALL_CSV.read_bytes())
    with session_scope(server.url) as session:
        found = earlier_analyses(session, file_sha256(copy))
        assert [f["run_id"] for f in found] == [server.run_id]
        assert found[0]["consultation_id"] == server.consultation_id
        copy.write_bytes(SMALL_CSV.read_bytes() + b"R9999,One more comment about the buses please,,,en\n")
        assert earlier_analyses(session, file_sha256(copy)) == []


def test_export_files_are_named_after_consultation_filter_and_date(server) -> None:
    from civicai.store.db import session_scope
    from civicai.workspace.exporting import export_stem
    from civicai.workspace.queries import SubmissionFilter

    with session_scope(server.url) as session:
        everything = export_stem(session, SubmissionFilter(consultation_id=server.consultation_id))
        mine = export_stem(session, SubmissionFilter(consultation_id=server.consultation_id, status="in_review",
                                                     assignee="Maria K."))
    today = date.today().isoformat()
    assert everything == f"consultation-small-csv_all_{today}"
    assert mine == f"consultation-small-csv_status-in-review_assignee-maria-k_{today}"
