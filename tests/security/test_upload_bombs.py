"""Security review s7: a compressed upload may not unpack to far more than the upload limit.

An .xlsx is a zip. A 235 KB workbook whose sheet repeats one row 3 million times (96 MB of XML, ratio 410) was
accepted and previewed in the request: 248 s of the web process's CPU and +1.7 GB of its memory, all under the
50 MB upload limit (evaluation/results/security_review_s7.md). A file at the limit would unpack to ~20 GB. Now
the zip's directory is read first (Python's zipfile never unpacks more than an entry declares) and a workbook
whose entries unpack to over 100 times its size, or to more than 10 times the upload limit, is refused with a
message naming the file."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api_support import add_user, login, make_app

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
       'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
         'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             '<sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def workbook(rows: list[str]) -> bytes:
    """A real .xlsx (inline strings) with a 'text' column; openpyxl reads it like Excel's own."""
    cells = ['<row><c t="inlineStr"><is><t>text</t></is></c></row>']
    cells += [f'<row><c t="inlineStr"><is><t>{text}</t></is></c></row>' for text in rows]
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><sheetData>' + "".join(cells) + "</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in (("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WORKBOOK),
                           ("xl/_rels/workbook.xml.rels", _WB_RELS), ("xl/worksheets/sheet1.xml", sheet)):
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def staff(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'civicai.db'}"
    app = make_app(url, tmp_path / "home")
    add_user(url, "staff1", "staff")
    with TestClient(app) as client:
        login(client, "staff1")
        yield client


def _upload(client: TestClient, name: str, data: bytes):
    return client.post("/api/uploads", files={"file": (name, data, "application/octet-stream")})


def test_a_zip_bomb_workbook_is_refused_before_it_is_read(staff: TestClient) -> None:
    bomb = workbook(["Please add more bus lanes on the main road"] * 200_000)  # ~14 MB of XML in ~40 KB
    assert len(bomb) < 100_000
    response = _upload(staff, "survey.xlsx", bomb)
    assert response.status_code == 422, response.text[:300]
    detail = response.json()["detail"]
    assert "survey.xlsx" in detail and "unpack" in detail, detail
    assert "/uploads/" not in detail  # the server's folders are not the officer's business


def test_an_ordinary_workbook_is_still_accepted(staff: TestClient) -> None:
    rows = [f"Submission {i}: the cycle path on street {i * 7919 % 1000} needs lighting and {i ** 3} trees"
            for i in range(300)]
    response = _upload(staff, "survey.xlsx", workbook(rows))
    assert response.status_code == 201, response.text[:300]
    assert response.json()["preview"]["accepted"] == 300


def test_a_workbook_that_unpacks_past_ten_times_the_limit_is_refused(tmp_path: Path) -> None:
    """Under the ratio, over the absolute bound: an upload limit just above a 15 KB workbook that unpacks to 200 KB."""
    import random

    url = f"sqlite:///{tmp_path / 'civicai.db'}"
    rng = random.Random(7)
    words = ["bus", "lane", "tree", "river", "bike", "park", "noise", "school", "rent", "heat", "flood", "road"]
    rows = [" ".join(rng.choice(words) for _ in range(4)) for _ in range(3000)]  # ratio about 14
    data = workbook(rows)
    app = make_app(url, tmp_path / "home", max_upload_bytes=len(data) + 1)
    add_user(url, "staff1", "staff")
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert unpacked > 10 * (len(data) + 1) and unpacked < 100 * len(data), (unpacked, len(data))
    with TestClient(app) as client:
        login(client, "staff1")
        response = _upload(client, "survey.xlsx", data)
    assert response.status_code == 422, response.text[:300]
    assert "survey.xlsx" in response.json()["detail"]
