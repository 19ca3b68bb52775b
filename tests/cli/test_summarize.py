"""``aekit summarize`` and ``aekit summarize train``."""

from __future__ import annotations

import csv

from tests.cli.helpers import one_line_error, run
from tests.text.test_summarizer import corpus, headlines

DOCS = ["Police arrested three men after a bank robbery in the city centre on Friday, officials said.",
        "",
        "Oil prices rose sharply on Monday after producers agreed to cut output."]


def test_lines_in_summaries_out_in_order(tmp_path, caplog):
    src = tmp_path / "docs.txt"
    src.write_text("\n".join(DOCS + [" ".join(DOCS * 8)]) + "\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="aekit"):
        result = run("summarize", "--input", src, "--out", tmp_path / "s.txt", "--max-words", 5)
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "s.txt").read_text(encoding="utf-8").split("\n")
    assert len(lines) == 5 and lines[4] == "" and lines[1] == ""
    assert "1 of 4 documents are longer" in caplog.text
    assert lines[0] and len(lines[0].split()) <= 5 and len(lines[2].split()) <= 5


def test_existing_output_is_refused_and_kept(tmp_path):
    src = tmp_path / "docs.txt"
    src.write_text(DOCS[0], encoding="utf-8")
    out = tmp_path / "s.txt"
    out.write_text("keep me", encoding="utf-8")
    assert "--overwrite" in one_line_error(run("summarize", "--input", src, "--out", out))
    assert out.read_text(encoding="utf-8") == "keep me"


def test_folder_in_csv_out_and_non_utf8_warned(tmp_path, caplog):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(DOCS[0], encoding="utf-8")
    (docs / "b.txt").write_bytes("Caf\xe9 owners in Paris protested new taxes on Tuesday.".encode("latin-1"))
    with caplog.at_level("WARNING", logger="aekit"):
        result = run("summarize", "--input", docs, "--out", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    assert "not UTF-8" in caplog.text
    rows = list(csv.DictReader(open(tmp_path / "s.csv", encoding="utf-8")))
    assert [r["name"] for r in rows] == ["a.txt", "b.txt"] and all(r["summary"] for r in rows)
    assert "csv" in one_line_error(run("summarize", "--input", docs, "--out", tmp_path / "s.txt"))


def test_bad_inputs_get_one_line(tmp_path):
    assert "no file or folder" in one_line_error(
        run("summarize", "--input", tmp_path / "missing.txt", "--out", tmp_path / "s.txt"))
    assert "--input" in one_line_error(run("summarize"))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    assert "no text" in one_line_error(run("summarize", "--input", empty, "--out", tmp_path / "s.txt"))


def test_train_then_summarize_with_the_model(tmp_path):
    (tmp_path / "docs.txt").write_text("\n".join(corpus(220)), encoding="utf-8")
    (tmp_path / "heads.txt").write_text("\n".join(headlines(150)), encoding="utf-8")
    result = run("summarize", "train", "--docs", tmp_path / "docs.txt", "--readable",
                 tmp_path / "heads.txt", "--out", tmp_path / "m", "--max-steps", 10,
                 "--max-words", 4)
    assert result.exit_code == 0, result.output
    result = run("summarize", "--input", tmp_path / "docs.txt", "--out", tmp_path / "s.txt",
                 "--model", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "s.txt").read_text(encoding="utf-8").splitlines()) == 220
    assert "--readable" in one_line_error(
        run("summarize", "train", "--docs", tmp_path / "docs.txt", "--out", tmp_path / "m2"))
    assert "at least 200" in one_line_error(
        run("summarize", "train", "--docs", tmp_path / "heads.txt", "--no-discriminator",
            "--out", tmp_path / "m3"))


def test_a_model_of_another_kind_is_named(models, tmp_path):
    src = tmp_path / "docs.txt"
    src.write_text(DOCS[0], encoding="utf-8")
    message = one_line_error(run("summarize", "--input", src, "--out", tmp_path / "s.txt",
                                 "--model", models / "ae"))
    assert "is an auto-encoder" in message and "needs a text summarizer" in message
    assert not (tmp_path / "s.txt").exists()
