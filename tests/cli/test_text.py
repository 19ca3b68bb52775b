"""``aekit text index`` and ``aekit text search``: results, CSV, and one-line refusals."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from aekit.cli.main import cli

from tests.text.test_index import write_corpus  # noqa: E402


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    docs = write_corpus(root / "docs")
    result = run("text", "index", "--docs", docs, "--bits", 16, "--epochs", 20, "--out", root / "idx")
    assert result.exit_code == 0, result.output
    assert "indexed 72 documents" in result.output
    return root


def test_search_prints_a_table_and_writes_csv(built):
    result = run("text", "search", built / "idx", "rocket orbit moon", "-k", 3, "--refine",
                 "--out", built / "hits.csv")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["rank", "bits", "cosine", "name"]
    assert lines[1].split()[0] == "1" and "space/" in lines[1] and "space note" in lines[1]
    with open(built / "hits.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["rank"] for r in rows] == ["1", "2", "3"] and rows[0]["name"].startswith("space/")


def one_line_error(result, message):
    assert result.exit_code == 2, result.output
    assert result.output.startswith("aekit: error: ") and message in result.output
    assert result.output.count("\n") == 1


def test_refuses_to_overwrite_without_flag(built):
    one_line_error(run("text", "index", "--docs", built / "docs", "--out", built / "idx"), "--overwrite")


@pytest.mark.parametrize("bits", [12, 4, 512])
def test_bad_bits(built, bits, tmp_path):
    one_line_error(run("text", "index", "--docs", built / "docs", "--bits", bits, "--out", tmp_path / "i"),
                   "bits must be a multiple of 8 from 8 to 256")


def test_empty_docs_folder(tmp_path):
    (tmp_path / "docs").mkdir()
    one_line_error(run("text", "index", "--docs", tmp_path / "docs", "--out", tmp_path / "i"),
                   "holds no readable text files (it is empty)")
    assert not (tmp_path / "i").exists()


def test_missing_docs_folder(tmp_path):
    one_line_error(run("text", "index", "--docs", tmp_path / "nope", "--out", tmp_path / "i"), "no folder at")


def test_k_too_large(built):
    one_line_error(run("text", "search", built / "idx", "rocket", "-k", 100),
                   "k=100 is larger than the collection, which holds 72 items")


def test_unknown_words(built):
    one_line_error(run("text", "search", built / "idx", "xyzzy plugh"), "the query has no word the index knows")


def test_missing_and_damaged_index(built, tmp_path):
    one_line_error(run("text", "search", tmp_path / "none", "rocket"), "no index folder")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "index.json").write_text("[]")
    one_line_error(run("text", "search", tmp_path / "bad", "rocket"), "does not describe an aekit text index")
