"""What a register says about itself: its report id, the SHA-256 of its data rows, the anchor.

The data rows are hashed as the renderer writes them, without producing anything twice:
CSV — the UTF-8 bytes of its data lines exactly as in the file (header and trailer excluded,
so ``sed '1d;$d' file.csv | sha256sum`` recomputes it); PDF — the cells' text, tab-separated,
one line per row; XLSX — the row values as SafeLoop handed them to the writer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

TRAILER_PREFIX = "# SafeLoop register"


@dataclass
class Seal:
    """The report id and anchor known before rendering, the rows digest filled while it runs."""

    report_id: int
    anchor_day: str = ""
    anchor_hash: str = ""
    # "Report %(id)s · data rows SHA-256 %(rows)s · anchor %(day)s %(anchor)s", translated.
    label: str = ""
    _rows: Any = field(default_factory=hashlib.sha256, repr=False)

    @property
    def rows_sha256(self) -> str:
        return str(self._rows.hexdigest())

    def cells(self, rows: Iterable[list[str]]) -> Iterator[list[str]]:
        """Pass rows of cell texts through, hashing each (PDF)."""
        for row in rows:
            self._rows.update(("\t".join(row) + "\n").encode("utf-8"))
            yield row

    def values(self, row: Sequence[Any]) -> None:
        """Hash one row of values as written (XLSX)."""
        self._rows.update(repr(list(row)).encode("utf-8"))

    def lines(self, out: TextIO) -> Any:
        """A text sink that hashes every line written to ``out`` through it (CSV)."""
        return _HashingText(out, self._rows)

    def anchor_text(self) -> str:
        return f"{self.anchor_day} {self.anchor_hash}".strip() or "-"

    def trailer(self) -> str:
        """The CSV's last line, a comment a spreadsheet shows and a script can parse."""
        return (
            f"{TRAILER_PREFIX} {self.report_id}; rows-sha256 {self.rows_sha256}; "
            f"anchor {self.anchor_text()}"
        )

    def footer(self) -> str:
        """The PDF's footer line (in the register's language)."""
        template = self.label or "Report %(id)s · data rows SHA-256 %(rows)s · anchor %(anchor)s"
        return template % {
            "id": self.report_id,
            "rows": self.rows_sha256,
            "anchor": self.anchor_text(),
        }

    def properties(self) -> dict[str, str]:
        """XLSX custom document properties."""
        return {
            "SafeLoop report": str(self.report_id),
            "Data rows SHA-256": self.rows_sha256,
            "Anchor": self.anchor_text(),
        }


class _HashingText:
    def __init__(self, out: TextIO, digest: Any) -> None:
        self.out, self.digest = out, digest

    def write(self, text: str) -> int:
        self.digest.update(text.encode("utf-8"))
        return self.out.write(text)
