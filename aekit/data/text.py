"""Reading a folder of text files: every file under it, decoded leniently, named by its
path relative to the folder.

Files are read in sorted order (the same folder always gives the same document numbers).
Hidden files and folders (names starting with ".") are skipped, and so are files that
are empty or look binary (a NUL byte in their first 8 KiB, the test ``grep`` and ``git``
use). A file that is not UTF-8 is read as latin-1, which never fails and is right for the
older Western encodings most such files use; the count is logged once, not per file.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from aekit.errors import DataError, MissingDataError

logger = logging.getLogger(__name__)

SNIFF_BYTES = 8192
TITLE_CHARS = 80
_HEADER = re.compile(r"^[A-Za-z][!-9;-~]*:(?:[ \t]|$)")  # RFC 822 field name: printable, no colon


@dataclass
class Documents:
    """Texts read from a folder: ``names`` (relative paths, "/"-separated), ``texts`` and
    ``titles`` (the Subject header or the first non-empty line), plus what was skipped."""

    names: list[str]
    texts: list[str]
    titles: list[str]
    latin1: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)


def read_text_folder(folder, *, strip_headers: bool = False, progress: bool | None = None) -> Documents:
    """Read every text file under ``folder`` (recursively). ``progress``: None shows a bar
    on a terminal only (tqdm's rule).

    ``strip_headers=True`` drops a leading mail/news header block ("From: ...", "Path:
    ...") but keeps its Subject as the first line: headers are mostly addresses and
    routing, noise for topic search (and on Usenet the "Newsgroups:" line names the topic).
    """
    root = Path(folder)
    if not root.exists():
        raise MissingDataError(f"no folder at {root}")
    if not root.is_dir():
        raise DataError(f"{root} is a file; give the folder that holds the documents")
    paths = sorted(p for p in root.rglob("*") if p.is_file() and not _hidden(p.relative_to(root)))
    docs = Documents([], [], [])
    skipped = {"empty": 0, "binary": 0, "unreadable": 0}
    for path in tqdm(paths, desc="reading", unit="file", disable=None if progress is None else not progress):
        try:
            raw = path.read_bytes()
        except OSError:
            skipped["unreadable"] += 1
            continue
        if b"\0" in raw[:SNIFF_BYTES]:
            skipped["binary"] += 1
            continue
        text, was_latin1 = decode(raw)
        if strip_headers:
            text = strip_mail_headers(text)
        if not text.strip():
            skipped["empty"] += 1
            continue
        name = path.relative_to(root).as_posix()
        docs.names.append(name)
        docs.texts.append(text)
        docs.titles.append(title_of(text))
        if was_latin1:
            docs.latin1.append(name)
    docs.skipped = {kind: n for kind, n in skipped.items() if n}
    _report(root, paths, docs)
    return docs


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def decode(raw: bytes) -> tuple[str, bool]:
    """The text of ``raw`` and whether it had to be read as latin-1 (it was not UTF-8)."""
    try:
        return raw.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return raw.decode("latin-1"), True


def _report(root: Path, paths: list[Path], docs: Documents) -> None:
    if not docs.texts:
        found = ", ".join(f"{n} {kind}" for kind, n in docs.skipped.items())
        raise DataError(f"{root} holds no readable text files"
                        + (f" ({len(paths)} files: {found})" if paths else " (it is empty)"))
    if docs.latin1:
        logger.warning("%d of %d files were not UTF-8; read them as latin-1 (e.g. %s)",
                       len(docs.latin1), len(docs), docs.latin1[0])
    if docs.skipped:
        logger.warning("skipped %s file(s) under %s", " and ".join(
            f"{n} {kind}" for kind, n in docs.skipped.items()), root)


def strip_mail_headers(text: str) -> str:
    """``text`` without a leading RFC 822 header block; its Subject stays as the first line.

    A block counts as headers only if its first line looks like "Name: value" and every
    line up to the first blank line is a header or a folded continuation of one.
    """
    text = text.replace("\r\n", "\n")  # mail saved on Windows: CRLF line ends
    head, sep, body = text.partition("\n\n")
    lines = head.splitlines()
    if not sep or not lines or not _HEADER.match(lines[0]):
        return text
    if not all(_HEADER.match(line) or line[:1] in (" ", "\t") for line in lines):
        return text
    subject = next((line.split(":", 1)[1].strip() for line in lines
                    if line.lower().startswith("subject:")), "")
    return f"{subject}\n\n{body}" if subject else body


def title_of(text: str) -> str:
    """The Subject header if the text starts with headers, else its first non-empty line."""
    head = text.partition("\n\n")[0].splitlines()
    if head and _HEADER.match(head[0]):
        for line in head:
            if line.lower().startswith("subject:"):
                return _shorten(line.split(":", 1)[1])
    for line in text.splitlines():
        if line.strip():
            return _shorten(line)
    return ""


def _shorten(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= TITLE_CHARS else line[:TITLE_CHARS - 3] + "..."
