"""Batch's data sets and templates: every format read, every malformed case one sentence naming its line
or column, variables mapped to columns and filled per row."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from lib.batch import dataset, template
from lib.batch.dataset import DatasetError
from lib.batch.template import Template, TemplateError

ROWS = [{"city": "Paris", "note": 'said "hi", twice'}, {"city": "Oslo", "note": ""}]


def test_csv_tsv_jsonl_and_parquet_read_the_same_rows() -> None:
    csv_bytes = b'city,note\nParis,"said ""hi"", twice"\nOslo,\n'
    tsv_bytes = b'city\tnote\nParis\tsaid "hi", twice\nOslo\t\n'
    jsonl = "\n".join(json.dumps(r) for r in ROWS).encode() + b"\n"
    buf = io.BytesIO()
    pd.DataFrame(ROWS).to_parquet(buf)
    sheet = io.BytesIO()
    pd.DataFrame(ROWS).to_excel(sheet, index=False)
    formats = ((csv_bytes, "csv"), (tsv_bytes, "tsv"), (jsonl, "jsonl"), (buf.getvalue(), "parquet"),
               (sheet.getvalue(), "xlsx"))  # fmt: skip
    for data, fmt in formats:
        preview = dataset.read_all(data, fmt)
        assert preview.columns == ["city", "note"], fmt
        assert preview.rows == ROWS, fmt
        assert preview.row_count == 2, fmt


def test_a_large_file_comes_in_chunks() -> None:
    data = b"n\n" + b"".join(f"{i}\n".encode() for i in range(12_001))
    sizes = [len(c) for c in dataset.chunks(data, "csv")]
    assert sizes == [dataset.CHUNK, dataset.CHUNK, 2_001]
    assert dataset.read_all(data, "csv").row_count == 12_001


def test_a_utf8_bom_and_windows_line_ends_are_read() -> None:
    preview = dataset.read_all(b"\xef\xbb\xbfcity,note\r\nParis,x\r\n", "csv")
    assert preview.columns == ["city", "note"] and preview.rows == [{"city": "Paris", "note": "x"}]


def test_pasted_text_is_csv_or_tsv() -> None:
    assert dataset.sniff_pasted("a\tb\n1\t2") == "tsv"
    assert dataset.sniff_pasted("a,b\n1,2") == "csv"


def test_the_format_comes_from_the_name() -> None:
    assert dataset.format_of("Data.JSONL") == "jsonl"
    with pytest.raises(DatasetError, match=r"^`notes.docx` is not a data set Batch reads; upload a CSV"):
        dataset.format_of("notes.docx")


@pytest.mark.parametrize(
    ("data", "fmt", "sentence"),
    [
        (b"", "csv", "The data set is empty; it needs a header line and at least one row."),
        (b"city,note\n", "csv", "The data set has a header but no rows; add at least one row."),
        (b"city,note\nParis,x\nOslo,y,z\n", "csv",
         "Line 3 has 3 fields but the header has 2; fix that line (quote a value that holds the delimiter) "
         "and upload again."),
        (b"city,note\nParis,x\nOs\xfflo,y\n", "csv",
         "Line 3 is not UTF-8 text (byte 20); save the file as UTF-8 and upload it again."),
        (b"city,,note\n1,2,3\n", "csv",
         "Column 2 of the header has no name; give every column a name in the first line."),
        (b"city,city\n1,2\n", "csv", "The header names the column `city` twice; rename one of them."),
        (b'{"a": 1}\n{"a": 2,\n', "jsonl",
         "Line 2 is not valid JSON (Expecting property name enclosed in double quotes); "
         "each line must be one JSON object."),
        (b'{"a": 1}\n[1, 2]\n', "jsonl", "Line 2 is a JSON list, not an object; each line must be one JSON object."),
        (b"PAR1 not really", "parquet", None),
        (b"PK not a workbook", "xlsx", "The file is not a readable XLSX workbook (BadZipFile); save it again as XLSX."),
    ],
)  # fmt: skip
def test_each_malformed_case_is_one_sentence(data: bytes, fmt: str, sentence: str | None) -> None:
    with pytest.raises(DatasetError) as raised:
        dataset.read_all(data, fmt)
    if sentence is not None:
        assert str(raised.value) == sentence
    else:
        assert str(raised.value).startswith("The file is not a readable Parquet file")


def test_values_become_text_as_they_fill_a_prompt() -> None:
    jsonl = b'{"n": 3, "x": 1.5, "ok": true, "tags": ["a"], "none": null}\n'
    assert dataset.read_all(jsonl, "jsonl").rows == [{"n": "3", "x": "1.5", "ok": "true", "tags": '["a"]', "none": ""}]


def test_variables_map_to_columns_of_the_same_name_and_fill_each_row() -> None:
    t = Template("Describe {{City}} in {{style}}.", system="You write for {{audience}}.")
    mapping = template.auto_mapping(t.variables(), ["city", "style", "other"])
    assert mapping == {"audience": None, "City": "city", "style": "style"}
    with pytest.raises(TemplateError) as raised:
        template.check(t, mapping, ["city", "style", "other"])
    assert str(raised.value) == (
        "The variable {{audience}} has no column; pick one for it under Variables, or remove it from the template."
    )
    mapping["audience"] = "other"
    template.check(t, mapping, ["city", "style", "other"])
    messages = template.messages_for(t, mapping, {"city": "Oslo", "style": "", "other": "kids"})
    assert [m.to_json() for m in messages] == [
        {"role": "system", "content": "You write for kids."},
        {"role": "user", "content": "Describe Oslo in ."},  # an empty cell is empty, not the placeholder
    ]


def test_a_mapping_to_a_missing_column_and_an_empty_template_are_refused() -> None:
    with pytest.raises(TemplateError, match=r"^The variable \{\{q\}\} is mapped to the column `gone`"):
        template.check(Template("{{q}}"), {"q": "gone"}, ["a"])
    with pytest.raises(TemplateError, match=r"^The prompt template is empty"):
        template.check(Template("  "), {}, ["a"])
