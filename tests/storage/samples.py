"""Small real files of each kind, laid out as the programs that make them write them."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from fpdf import FPDF
from PIL import Image

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{main_type}"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{part}"/></Relationships>'
)
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
POWERPOINT_MAIN = (
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
)


def pdf(text: str = "Curriculum vitae") -> bytes:
    document = FPDF()
    # A fixed date: the same text gives the same bytes, whenever it is built.
    document.set_creation_date(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text=text)
    return bytes(document.output())


def _image(format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format=format)
    return buffer.getvalue()


def png() -> bytes:
    return _image("PNG")


def jpeg() -> bytes:
    return _image("JPEG")


def ooxml(
    part: str = "word/document.xml",
    main_type: str = WORD_MAIN,
    *,
    order: tuple[str, ...] = ("[Content_Types].xml", "_rels/.rels", "word/document.xml"),
) -> bytes:
    """An Office Open XML package; Word writes ``[Content_Types].xml`` first."""
    members = {
        "[Content_Types].xml": _CONTENT_TYPES.format(part=part, main_type=main_type),
        "_rels/.rels": _RELS.format(part=part),
        part: '<?xml version="1.0"?><document><body><p>Curriculum vitae</p></body></document>',
        "docProps/core.xml": '<?xml version="1.0"?><coreProperties/>',
        "docProps/app.xml": '<?xml version="1.0"?><Properties/>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in order:
            archive.writestr(name, members[name])
    return buffer.getvalue()


def docx() -> bytes:
    return ooxml()


def docx_libreoffice() -> bytes:
    """LibreOffice writes the properties first and ``[Content_Types].xml`` last: magic rules
    that read only the first members do not see a Word document in it."""
    return ooxml(
        order=(
            "_rels/.rels",
            "docProps/app.xml",
            "docProps/core.xml",
            "word/document.xml",
            "[Content_Types].xml",
        )
    )


def xlsx() -> bytes:
    return ooxml(
        "xl/workbook.xml",
        EXCEL_MAIN,
        order=("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"),
    )


def pptx() -> bytes:
    return ooxml(
        "ppt/presentation.xml",
        POWERPOINT_MAIN,
        order=("[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml"),
    )


def opendocument(mimetype: str = ODT_TYPE) -> bytes:
    """An OpenDocument package: its ``mimetype`` member first and uncompressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "content.xml",
            '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
            'opendocument:xmlns:office:1.0"><office:body><office:text/></office:body>'
            "</office:document-content>",
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0"/>',
        )
    return buffer.getvalue()


def odt() -> bytes:
    return opendocument()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", "Curriculum vitae")
    return buffer.getvalue()


HTML = b"<!DOCTYPE html>\n<html><head><title>CV</title></head><body>CV</body></html>\n"
