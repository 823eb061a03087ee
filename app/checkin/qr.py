"""QR codes of check-in codes, drawn by segno (pure Python: PNG and SVG without Pillow or any
outside service). The QR code holds the code as printed beside it (ABCDE-FGHJK): upper-case
letters, digits and a dash fit QR's compact alphanumeric mode, so it stays small and reads
quickly from a phone's screen or a badge."""

from __future__ import annotations

import io

import segno

from app.checkin.services import format_code


def _qr(code: str) -> segno.QRCode:
    # Error correction M: a badge scratched or folded a little still reads.
    return segno.make_qr(format_code(code), error="m")


def qr_png(code: str, *, scale: int = 8) -> bytes:
    """A PNG of the QR code (for the confirmation mail)."""
    out = io.BytesIO()
    _qr(code).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg_data_uri(code: str) -> str:
    """The QR code as an SVG data: URI, for an <img> on a page (the site's CSP allows data:
    images, and no request is needed)."""
    return str(_qr(code).svg_data_uri(scale=4, border=4))


def qr_matrix(code: str) -> list[list[bool]]:
    """The modules of the QR code, row by row (True is dark), without the quiet zone: the PDF
    draws them as squares, so they stay sharp at any print size."""
    return [[bool(module) for module in row] for row in _qr(code).matrix]
