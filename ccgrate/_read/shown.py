"""What a workbook's cells show that python-calamine's values do not say: which numbers are
formatted as percentages (the cell holds 0.756 and shows 75.6%), which cells hold an error
(#DIV/0!, which calamine gives as blank), and which hold a formula saved without its result
(blank too, though Excel would show a value on opening).

Each format keeps these facts in its own parts, and only these few are read: .xlsx and .xlsm in
the XML of the styles and the sheet, .xlsb in the binary records of the same parts, .ods in
content.xml, and .xls in BIFF records through xlrd. openpyxl would read the first two whole, at
many times calamine's cost, and no maintained library reads .xlsb styles. Positions are 0-based
(row, column) on the sheet, as calamine's rows are when read without skipping the empty area.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree import ElementTree

Position = tuple[int, int]

# Excel's built-in number formats that are percentages: 0% and 0.00%.
_BUILTIN_PERCENT = frozenset({9, 10})
# The error values of the binary formats (MS-XLSB BErr, MS-XLS BErr).
_ERROR_CODES = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}


@dataclass
class Shown:
    percent: set[Position] = field(default_factory=set)  # number cells formatted as a percentage
    errors: dict[Position, str] = field(default_factory=dict)  # the error a cell shows, as #DIV/0!
    uncalculated: dict[Position, str] = field(default_factory=dict)  # formula of a cell saved without its result
    # .xlsb cells in the short form (no column of their own) that SheetJS and others write and
    # calamine skips: the reader checks that calamine gave them, and refuses the file if not.
    short_cells: list[Position] = field(default_factory=list)


def is_percent_format(code: str) -> bool:
    """Whether a number format shows a number as a percentage: a % sign in its first section (the
    one for positive numbers) that is not quoted, escaped, bracketed or a fill or space character."""
    index = 0
    while index < len(code):
        char = code[index]
        if char == '"':
            end = code.find('"', index + 1)
            index = len(code) if end < 0 else end + 1
        elif char == "[":
            end = code.find("]", index + 1)
            index = len(code) if end < 0 else end + 1
        elif char in "\\_*":
            index += 2
        elif char == ";":
            return False
        elif char == "%":
            return True
        else:
            index += 1
    return False


def read_shown(raw: bytes, sheet: str) -> Shown | None:
    """The shown facts of one sheet, by name; None when the workbook's format keeps none that can be
    read here (the caller then says that percentages are read as the fractions cells hold)."""
    try:
        if raw.startswith(b"\xd0\xcf\x11\xe0"):
            return _xls(raw, sheet)
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            names = set(book.namelist())
            if "content.xml" in names:
                return _ods(book, sheet)
            document = _office_document(book)
            if document.endswith(".bin"):
                return _xlsb(book, document, sheet)
            return _xlsx(book, document, sheet)
    except Exception:  # a part this reader does not understand: calamine's values stand, unadorned
        return None


# --- .xlsx and .xlsm -----------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _office_document(book: zipfile.ZipFile) -> str:
    """The workbook part, as the package's relationships name it (xl/workbook.xml nearly always)."""
    root = ElementTree.fromstring(book.read("_rels/.rels"))
    for relation in root:
        if relation.get("Type", "").endswith("/officeDocument"):
            return relation.get("Target", "").lstrip("/")
    raise ValueError("no workbook part")


def _relations(book: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, the target's path in the package)."""
    folder, name = posixpath.split(part)
    root = ElementTree.fromstring(book.read(posixpath.join(folder, "_rels", name + ".rels")))
    found = {}
    for relation in root:
        target = relation.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[relation.get("Id", "")] = (relation.get("Type", ""), path)
    return found


def _styles_part(relations: dict[str, tuple[str, str]]) -> str | None:
    return next((path for kind, path in relations.values() if kind.endswith("/styles")), None)


def _xlsx(book: zipfile.ZipFile, document: str, sheet: str) -> Shown:
    relations = _relations(book, document)
    workbook = ElementTree.fromstring(book.read(document))
    sheet_part = None
    for element in workbook.iter():
        if _local(element.tag) == "sheet" and element.get("name") == sheet:
            relation = next(value for key, value in element.attrib.items() if _local(key) == "id")
            sheet_part = relations[relation][1]
    if sheet_part is None:
        raise ValueError("no such sheet")
    percent_styles: set[int] = set()
    styles = _styles_part(relations)
    if styles is not None:
        root = ElementTree.fromstring(book.read(styles))
        codes = {
            int(element.get("numFmtId", "-1")): element.get("formatCode", "")
            for element in root.iter()
            if _local(element.tag) == "numFmt"
        }
        cell_formats = next((element for element in root if _local(element.tag) == "cellXfs"), None)
        for index, style in enumerate(cell_formats if cell_formats is not None else ()):
            number_format = int(style.get("numFmtId", "0"))
            if number_format in codes:
                if is_percent_format(codes[number_format]):
                    percent_styles.add(index)
            elif number_format in _BUILTIN_PERCENT:
                percent_styles.add(index)
    marks = [f' s="{index}"'.encode() for index in percent_styles] + [b't="e"', *_FORMULA_MARKS]
    if not _holds_any(book, sheet_part, marks):
        return Shown()  # most sheets: nothing to find, and the sheet is never held whole
    return _xlsx_sheet(book.read(sheet_part), percent_styles)


# A formula's element, <f> or <x:f>; "<f" finds a validation rule's <formula1> too, which costs only a closer look.
_FORMULA_MARKS = (b"<f", b":f>", b":f ")
_CHUNK = 1 << 22


def _holds_any(book: zipfile.ZipFile, part: str, marks: list[bytes]) -> bool:
    """Whether a part holds any of the marks, read a few MB at a time (each chunk with the tail of
    the one before, so a mark across the seam is found)."""
    overlap = max(map(len, marks)) - 1
    tail = b""
    with book.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            if any(mark in window for mark in marks):
                return True
            tail = window[-overlap:]
    return False


_PREFIX = rb"(?:[\w.-]+:)?"
# A row's start tag, or a cell whole (self-closing, or up to its end tag).
_TOKEN = re.compile(rb"<" + _PREFIX + rb"(?:(row)\b([^>]*)>|c\b([^>]*?)(?:/>|>(.*?)</" + _PREFIX + rb"c>))", re.DOTALL)
_ATTRIBUTE = re.compile(rb'\b(r|s|t)="([^"]*)"')
_FORMULA = re.compile(rb"<" + _PREFIX + rb"f\b[^>]*?(?:/>|>(.*?)</" + _PREFIX + rb"f>)", re.DOTALL)
_VALUE = re.compile(rb"<" + _PREFIX + rb"v>([^<]*)</" + _PREFIX + rb"v>")
_REFERENCE = re.compile(rb"([A-Z]+)(\d+)")


def _xlsx_sheet(data: bytes, percent_styles: set[int]) -> Shown:
    styled = [index for index in sorted(percent_styles) if f' s="{index}"'.encode() in data]
    errors = b't="e"' in data
    formulas = any(mark in data for mark in _FORMULA_MARKS)
    if not (styled or errors or formulas):
        return Shown()  # most sheets: nothing to find, and no cell need be looked at
    cells = data.count(b"<c ") + data.count(b"<c>")
    if cells and cells == data.count(b'<c r="'):
        return _xlsx_referenced(data, styled, errors, formulas)
    return _xlsx_in_order(data, percent_styles)


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*? t="e"[^>]*(?<!/)>(.*?)</c>', re.DOTALL)
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*)>(<f\b[^>]*?(?:/>|>.*?</f>))(.*?)</c>', re.DOTALL)


def _xlsx_referenced(data: bytes, styled: list[int], errors: bool, formulas: bool) -> Shown:
    """A sheet whose cells all name their place (r="B2" first, as Excel, LibreOffice and openpyxl
    write them): only the cells sought are matched, in C, and not every cell of the sheet."""
    shown = Shown()
    columns: dict[bytes, int] = {}

    def place(letters: bytes, digits: bytes) -> Position:
        column = columns.get(letters)
        if column is None:
            column = columns[letters] = _column_index(letters)
        return int(digits) - 1, column

    if styled:
        pattern = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*? s="(?:' + "|".join(map(str, styled)).encode() + rb')"')
        shown.percent = {place(*found.groups()) for found in pattern.finditer(data)}
    if errors:
        for letters, digits, content in _ERROR_CELL.findall(data):
            value = _VALUE.search(content)
            shown.errors[place(letters, digits)] = value.group(1).decode().strip() if value else "#N/A"
    if formulas:
        for letters, digits, attributes, formula, rest in _FORMULA_CELL.findall(data):
            kind = dict(_ATTRIBUTE.findall(attributes)).get(b"t", b"n")
            value = _VALUE.search(rest)
            if kind not in (b"str", b"inlineStr", b"e") and (value is None or not value.group(1).strip()):
                text = _FORMULA.search(formula)
                shown.uncalculated[place(letters, digits)] = html.unescape(
                    ((text.group(1) if text else b"") or b"").decode("utf-8", "replace")
                )
    shown.percent -= shown.errors.keys() | shown.uncalculated.keys()  # a percentage format holds no number there
    return shown


def _xlsx_in_order(data: bytes, percent_styles: set[int]) -> Shown:
    """Any sheet, every cell in order: a cell without r="B2" is the one after the cell before it."""
    shown = Shown()
    row, column = -1, -1
    for token in _TOKEN.finditer(data):
        if token.group(1):
            attributes = dict(_ATTRIBUTE.findall(token.group(2)))
            row = int(attributes[b"r"]) - 1 if b"r" in attributes else row + 1
            column = -1
            continue
        attributes = dict(_ATTRIBUTE.findall(token.group(3)))
        reference = _REFERENCE.fullmatch(attributes.get(b"r", b""))
        if reference:
            column = _column_index(reference.group(1))
            row = int(reference.group(2)) - 1
        else:
            column += 1
        kind = attributes.get(b"t", b"n")
        content = token.group(4) or b""
        if kind == b"e":
            value = _VALUE.search(content)
            shown.errors[(row, column)] = value.group(1).decode().strip() if value else "#N/A"
            continue
        formula = _FORMULA.search(content) if b"f" in content else None
        if formula is not None and kind not in (b"str", b"inlineStr"):
            value = _VALUE.search(content)
            if value is None or not value.group(1).strip():
                shown.uncalculated[(row, column)] = html.unescape((formula.group(1) or b"").decode("utf-8", "replace"))
                continue
        if int(attributes.get(b"s", b"0") or 0) in percent_styles:
            shown.percent.add((row, column))
    return shown


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


# --- .ods ----------------------------------------------------------------------------------------

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_MOST_ROWS = 1 << 20  # a sheet's rows; repeats beyond it are the empty rest of the sheet


def _ods(book: zipfile.ZipFile, sheet: str) -> Shown:
    shown = Shown()
    table_tag, row_tag = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row"
    cell_tags = {f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"}
    inside, depth, row, column, repeat_rows = False, 0, -1, 0, 1
    found: list[tuple[int, str, str]] = []  # (column, kind, what) of the row being read
    with book.open("content.xml") as content:
        for event, element in ElementTree.iterparse(content, events=("start", "end")):
            tag = element.tag
            if tag == table_tag:
                if event == "start":
                    depth += 1
                    if depth == 1 and element.get(f"{{{_TABLE}}}name") == sheet:
                        inside = True
                elif depth == 1 and inside:
                    return shown
                else:
                    depth -= 1
                    element.clear()
                continue
            if not inside or depth != 1:
                continue
            if tag == row_tag:
                if event == "start":
                    row += 1
                    column = 0
                    repeat_rows = int(element.get(f"{{{_TABLE}}}number-rows-repeated", "1"))
                    found = []
                else:
                    for copy in range(min(repeat_rows, _MOST_ROWS - row) if found else 0):
                        for at, kind, what in found:
                            if kind == "%":
                                shown.percent.add((row + copy, at))
                            elif kind == "#":
                                shown.errors[(row + copy, at)] = what
                            else:
                                shown.uncalculated[(row + copy, at)] = what
                    row += repeat_rows - 1
                    element.clear()
            elif tag in cell_tags and event == "end":
                repeat = int(element.get(f"{{{_TABLE}}}number-columns-repeated", "1"))
                kind = element.get(f"{{{_OFFICE}}}value-type")
                formula = element.get(f"{{{_TABLE}}}formula")
                entry = None
                if element.get(f"{{{_CALCEXT}}}value-type") == "error":
                    entry = ("#", "".join(element.itertext()).strip() or "#N/A")
                elif kind == "percentage":
                    entry = ("%", "")
                elif formula is not None and kind is None:
                    entry = ("=", formula.split(":", 1)[-1] if formula.startswith("of:") else formula)
                if entry is not None:
                    found.extend((column + k, *entry) for k in range(min(repeat, 16_384)))
                column += repeat
                element.clear()
    raise ValueError("no such sheet")


# --- .xlsb ---------------------------------------------------------------------------------------


def _records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """The binary records of an .xlsb part: (type, start of its data, end of its data)."""
    position, size = 0, len(data)
    while position < size:
        kind = data[position]
        position += 1
        if kind & 0x80:
            kind = (kind & 0x7F) | ((data[position] & 0x7F) << 7)
            position += 1
        length, shift = 0, 0
        for _ in range(4):
            byte = data[position]
            position += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        yield kind, position, position + length
        position += length


def _wide_string(data: bytes, at: int) -> tuple[str | None, int]:
    (count,) = struct.unpack_from("<I", data, at)
    if count == 0xFFFFFFFF:
        return None, at + 4
    return data[at + 4 : at + 4 + 2 * count].decode("utf-16-le"), at + 4 + 2 * count


_BUNDLE_SHEET, _FORMAT, _CELL_FORMAT, _BEGIN_CELL_FORMATS, _END_CELL_FORMATS, _ROW = 156, 44, 47, 617, 618, 0
_NUMBER_CELLS = frozenset({2, 5, 9, 13, 16})  # Rk, Real, formula number, and their short forms
_ERROR_CELLS = {3: 8, 11: 8, 14: 4}  # the error byte's offset in BrtCellError, BrtFmlaError, BrtShortError
_SHORT_CELLS = frozenset(range(12, 19))  # cells that follow the previous one in its row, without a column


def _xlsb(book: zipfile.ZipFile, document: str, sheet: str) -> Shown:
    relations = _relations(book, document)
    workbook = book.read(document)
    sheet_part = None
    for kind, start, _end in _records(workbook):
        if kind == _BUNDLE_SHEET:
            relation, at = _wide_string(workbook, start + 8)
            name, _ = _wide_string(workbook, at)
            if name == sheet and relation is not None:
                sheet_part = relations[relation][1]
    if sheet_part is None:
        raise ValueError("no such sheet")
    percent_styles: set[int] = set()
    styles = _styles_part(relations)
    if styles is not None:
        data = book.read(styles)
        codes: dict[int, str] = {}
        inside, index = False, 0
        for kind, start, _end in _records(data):
            if kind == _FORMAT:
                (number_format,) = struct.unpack_from("<H", data, start)
                codes[number_format] = _wide_string(data, start + 2)[0] or ""
            elif kind == _BEGIN_CELL_FORMATS:
                inside = True
            elif kind == _END_CELL_FORMATS:
                inside = False
            elif kind == _CELL_FORMAT and inside:
                (number_format,) = struct.unpack_from("<H", data, start + 2)
                code = codes.get(number_format)
                if (code is not None and is_percent_format(code)) or (
                    code is None and number_format in _BUILTIN_PERCENT
                ):
                    percent_styles.add(index)
                index += 1
    shown = Shown()
    data = book.read(sheet_part)
    row, column = -1, -1
    for kind, start, _end in _records(data):
        if kind == _ROW:
            (row,) = struct.unpack_from("<I", data, start)
            column = -1
            continue
        if not 1 <= kind <= 18 and kind != 62:
            continue
        if kind in _SHORT_CELLS:
            column += 1
            (style,) = struct.unpack_from("<I", data, start)
            if kind != 12:  # BrtShortBlank holds nothing to lose
                shown.short_cells.append((row, column))
        else:
            column, style = struct.unpack_from("<II", data, start)
        if kind in _ERROR_CELLS:
            shown.errors[(row, column)] = _ERROR_CODES.get(data[start + _ERROR_CELLS[kind]], "#N/A")
        elif kind in _NUMBER_CELLS and style & 0xFFFFFF in percent_styles:
            shown.percent.add((row, column))
    return shown


# --- .xls ----------------------------------------------------------------------------------------


def _xls(raw: bytes, sheet: str) -> Shown:
    import xlrd

    book = xlrd.open_workbook(file_contents=raw, formatting_info=True, on_demand=True, logfile=io.StringIO())
    percent_styles = {
        index
        for index, style in enumerate(book.xf_list)
        if style.format_key in book.format_map
        and (style.format_key in _BUILTIN_PERCENT or is_percent_format(book.format_map[style.format_key].format_str))
    }
    found = book.sheet_by_name(sheet)
    shown = Shown()
    for row in range(found.nrows):
        for column, kind in enumerate(found.row_types(row)):
            if kind == xlrd.XL_CELL_ERROR:
                shown.errors[(row, column)] = _ERROR_CODES.get(found.cell_value(row, column), "#N/A")
            elif kind == xlrd.XL_CELL_NUMBER and found.cell_xf_index(row, column) in percent_styles:
                shown.percent.add((row, column))
    return shown
