"""LibreOffice Calc as a county clerk's spreadsheet program, for the template tests.

``Calc`` prints workbooks to PDF and, through a Basic macro in its private profile, does what
a person does to a case list that runs out of rows: inserts rows inside the table, types into
the cells and saves as .xlsx. ``overlaps`` finds words printed over each other on a page
(``services.pdf_words``). Missing LibreOffice fails the test with what to install: these
tests are part of ``make test`` and must not quietly skip.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from services.pdf_words import Page, require

# Runs in Calc: unprotect (no password, as the template), insert rows above row ``at``,
# protect again, type each "A1<TAB>text" line of ``cells`` like a person, save as .xlsx.
GROW_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" \
script:language="StarBasic">
Sub Grow(src As String, dst As String, atText As String, countText As String, cells As String)
  On Error Goto Failed
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = "Hidden"
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(src), "_blank", 0, load())
  sheet = doc.Sheets.getByIndex(0)
  sheet.unprotect("")
  sheet.Rows.insertByIndex(CLng(atText) - 1, CLng(countText))
  sheet.protect("")
  sfa = createUnoService("com.sun.star.ucb.SimpleFileAccess")
  stream = createUnoService("com.sun.star.io.TextInputStream")
  stream.setInputStream(sfa.openFileRead(ConvertToURL(cells)))
  stream.setEncoding("UTF-8")
  Do While Not stream.isEOF()
    txt = stream.readLine()
    pos = InStr(txt, Chr(9))
    If pos > 0 Then
      sheet.getCellRangeByName(Left(txt, pos - 1)).setFormula(Mid(txt, pos + 1))
    End If
  Loop
  stream.closeInput()
  Dim save(0) As New com.sun.star.beans.PropertyValue
  save(0).Name = "FilterName"
  save(0).Value = "Calc MS Excel 2007 XML"
  doc.storeToURL(ConvertToURL(dst), save())
  doc.close(True)
  Exit Sub
Failed:
  out = createUnoService("com.sun.star.io.TextOutputStream")
  out.setOutputStream(createUnoService("com.sun.star.ucb.SimpleFileAccess") _
    .openFileWrite(ConvertToURL(dst + ".error")))
  out.writeString("Basic line " + Erl + ": " + Error$)
  out.closeOutput()
End Sub
</script:module>
"""


class Calc:
    """A headless LibreOffice with its own profile (concurrent calls need separate ones)."""

    def __init__(self, profile: Path) -> None:
        require("soffice")
        self.profile = profile
        self._macro_ready = False

    def _run(self, *args: str, timeout: float = 180) -> None:
        cmd = ["soffice", f"-env:UserInstallation={self.profile.as_uri()}", "--headless", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"soffice 失败：{done.stderr}"

    def to_pdf(self, files: list[Path], out_dir: Path) -> list[Path]:
        """Print every workbook as Calc prints it (all visible sheets, their page setup)."""
        self._run("--convert-to", "pdf", "--outdir", str(out_dir), *map(str, files))
        pdfs = [out_dir / f"{f.stem}.pdf" for f in files]
        assert all(p.exists() for p in pdfs), f"LibreOffice 未生成 PDF：{out_dir}"
        return pdfs

    def grow_list(
        self, src: Path, dst: Path, *, above_row: int, count: int, typed: dict[str, str]
    ) -> Path:
        """Insert ``count`` rows above ``above_row`` of the first sheet, type ``typed`` (cell →
        text, as entered at the keyboard) and save ``dst`` as .xlsx."""
        if not self._macro_ready:
            if not (self.profile / "user" / "basic" / "Standard").exists():
                self._run("--terminate_after_init")  # creates the profile's macro library
            module = self.profile / "user" / "basic" / "Standard" / "Module1.xba"
            module.write_text(GROW_MACRO, encoding="utf-8")
            self._macro_ready = True
        cells = dst.with_suffix(".cells.tsv")
        cells.write_text("".join(f"{ref}\t{text}\n" for ref, text in typed.items()), "utf-8")
        args = [str(src), str(dst), str(above_row), str(count), str(cells)]
        quoted = ",".join(f'"{a}"' for a in args)
        self._run(f"macro:///Standard.Module1.Grow({quoted})")
        error = Path(f"{dst}.error")
        assert not error.exists(), error.read_text(encoding="utf-8")
        assert dst.exists(), "Calc 未保存文件"
        return dst


def overlaps(page: Page) -> list[tuple[str, str]]:
    """Pairs of words printed over each other. Consecutive lines of one cell touch by a
    point or two (line spacing is less than a glyph box); overlapping text shares most of
    its height."""
    found = []
    words = sorted(page.words, key=lambda w: w.y0)
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            if b.y0 >= a.y1:
                break
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if dx > 1 and dy > 0.4 * min(a.height, b.height):
                found.append((a.text, b.text))
    return found
