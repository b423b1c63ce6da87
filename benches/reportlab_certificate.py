#!/usr/bin/env python3
"""The baseline for `centrebook bench documents`: the same certificate drawn by Python's reportlab, the
tool most centres' scripts use today.

It draws Centrebook's default A4 landscape certificate (assets/templates/certificate-a4-landscape.json):
the same fields and wording, DejaVu Sans and DejaVu Sans Bold embedded as TrueType subsets, the
candidate's photo (a JPEG, which reportlab embeds as it is), long names shrunk to fit, and a QR code of
a statement the size of Centrebook's signed one. It does not sign, number, freeze or store anything:
only drawing and writing.

The fair peer (issue 17): reportlab with its C accelerator (`rl_accel`, from PyPI; the script refuses
to run without it, so a slow pure-Python fallback is never measured by mistake), and the QR code's
modules taken from the `qrcode` package's matrix (error correction M, the best of its eight masks, as
Centrebook's encoder picks) and drawn as ONE path of rectangles, not with reportlab's pure-Python QR
widget.

    pip install reportlab==5.1.0 rl-accel qrcode

    reportlab_certificate.py N OUT_DIR --fonts DIR --photo FILE.jpg [--combined] [--fixed-mask]

With --fixed-mask the QR code takes mask 0 instead of the best of eight: the `qrcode` package's mask
search is pure Python and most of this script's time, so this variant shows the peer at its fastest
(Centrebook always searches the eight masks, as the QR standard asks).

Without --combined it writes N single-page PDFs (one per certificate); with it, one N-page PDF.
Prints one JSON line: {"certificates": N, "seconds": S, "bytes": B, "reportlab": VERSION}.
"""

import argparse
import json
import os
import sys
import time

import qrcode
from reportlab import Version
from reportlab.lib import rl_accel
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

W, H = landscape(A4)
TEXT = HexColor("#1F2328")
ACCENT = HexColor("#1F4E79")
MUTED = HexColor("#59636E")
BLACK = HexColor("#000000")

FORENAMES = ["Siân", "Łukasz", "Seán", "Aled", "Bethan", "Gwenllïan", "Mark", "Oluwaseun", "Ŵyn", "Aoife"]
SURNAMES = ["Llewelyn", "Bartłomiejczyk", "Ó Súilleabháin", "Evans", "Jones", "Featherstonehaugh-Wynne", "Ray"]


def fields(i):
    name = f"{FORENAMES[i % len(FORENAMES)]} {SURNAMES[(i // len(FORENAMES)) % len(SURNAMES)]}"
    number = f"RPT-2026-{i + 1:06d}"
    return {
        "centre_name": "Riverside Plant Training",
        "awarding_body": "RTITB Ltd",
        "centre_approval": "C1234",
        "candidate_name": name,
        "employer": "Ashfield Recycling Group",
        "employee_number": f"{100000 + i}",
        "course_title": "Counterbalance Lift Truck (Novice)",
        "category": "Counterbalance lift truck",
        "result": "Pass (Distinction)",
        "training_dates": "2 November 2026 to 6 November 2026",
        "assessment_date": "6 November 2026",
        "issue_date": "9 November 2026",
        "expiry_date": "6 November 2029",
        "certificate_number": number,
        "trainer_name": "Tess Evans",
        "trainer_registration": "R-1234",
        "key_id": "3f2a9c0d11e4b6a7",
        "qr": (
            "CENTREBOOK CERTIFICATE 1\n"
            f"Number: {number}\nVersion: 1\nName: {name}\n"
            "Course: Counterbalance Lift Truck (Novice)\nTrained: 2026-11-02..2026-11-06\n"
            "Assessed: 2026-11-06\nIssued: 2026-11-09\nExpires: 2029-11-06\n"
            "Centre: Riverside Plant Training\nKey: 3f2a9c0d11e4b6a7\n"
            "Signature: " + "A" * 86 + "\n"
        ),
    }


def text(c, s, x_mm, y_mm, size, bold=False, colour=TEXT, align="left", max_w_mm=None, min_size=None):
    font = "DejaVu-Bold" if bold else "DejaVu"
    if max_w_mm is not None:
        w = pdfmetrics.stringWidth(s, font, size)
        if w > max_w_mm * mm:
            size = max(size * max_w_mm * mm / w, min_size or size / 2)
    c.setFont(font, size)
    c.setFillColor(colour)
    x, y = x_mm * mm, H - y_mm * mm
    if align == "centre":
        c.drawCentredString(x, y, s)
    else:
        c.drawString(x, y, s)


FIXED_MASK = [False]


def qr_path(c, statement, x_mm, y_mm, size_mm):
    """The QR code of `statement` in the square at (x, y) mm from the top-left, side `size_mm`, with a
    quiet zone of four modules inside it (as Centrebook draws it): each horizontal run of dark modules
    one rectangle, all of them one filled path."""
    mask = 0 if FIXED_MASK[0] else None
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=mask)
    code.add_data(statement.encode("utf-8"))
    code.make(fit=True)
    matrix = code.get_matrix()  # rows of booleans, the quiet zone included
    module = size_mm * mm / len(matrix)
    left, top = x_mm * mm, H - y_mm * mm
    p = c.beginPath()
    for r, row in enumerate(matrix):
        y = top - (r + 1) * module
        col, n = 0, len(row)
        while col < n:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < n and row[col]:
                col += 1
            p.rect(left + start * module, y, (col - start) * module, module)
    c.setFillColor(BLACK)
    c.drawPath(p, stroke=0, fill=1)


def draw(c, f, photo):
    c.setStrokeColor(ACCENT)
    c.setLineWidth(2.0)
    c.rect(8 * mm, H - (8 + 194) * mm, 281 * mm, 194 * mm)
    c.setLineWidth(0.5)
    c.rect(11 * mm, H - (11 + 188) * mm, 275 * mm, 188 * mm)
    c.setStrokeColor(MUTED)
    c.line(110 * mm, H - 171 * mm, 187 * mm, H - 171 * mm)
    # The photo in its 32 x 41.1 mm box (35:45), as the template places it.
    c.drawImage(photo, 241 * mm, H - (52 + 41.1) * mm, 32 * mm, 41.1 * mm, preserveAspectRatio=True)
    qr_path(c, f["qr"], 240, 145, 36)
    text(c, f["centre_name"], 148.5, 26, 14, bold=True, align="centre", max_w_mm=150)
    text(c, f"{f['awarding_body']} approved centre {f['centre_approval']}", 148.5, 32, 9, colour=MUTED, align="centre", max_w_mm=150)
    text(c, "Certificate of Training", 148.5, 52, 30, bold=True, colour=ACCENT, align="centre", max_w_mm=180)
    text(c, "This is to certify that", 148.5, 64, 12, align="centre")
    text(c, f["candidate_name"], 148.5, 79, 26, bold=True, align="centre", max_w_mm=170, min_size=12)
    text(c, f["employer"], 148.5, 88, 12, align="centre", max_w_mm=170)
    text(c, f"Employee number {f['employee_number']}", 148.5, 94, 10, colour=MUTED, align="centre", max_w_mm=170)
    text(c, "has successfully completed", 148.5, 105, 12, align="centre")
    text(c, f["course_title"], 148.5, 117, 18, bold=True, colour=ACCENT, align="centre", max_w_mm=200, min_size=10)
    text(c, f["category"], 148.5, 125, 11, align="centre", max_w_mm=200)
    text(c, f"Result: {f['result']}", 148.5, 132, 11, bold=True, align="centre", max_w_mm=200)
    text(c, f"Training: {f['training_dates']}", 22, 150, 10, max_w_mm=85)
    text(c, f"Assessed: {f['assessment_date']}", 22, 156, 10, max_w_mm=85)
    text(c, f"Issued: {f['issue_date']}", 22, 162, 10, max_w_mm=85)
    text(c, f"Expires: {f['expiry_date']}", 22, 168, 10, bold=True, max_w_mm=85)
    text(c, f"Certificate no. {f['certificate_number']}", 22, 176, 11, bold=True, colour=ACCENT, max_w_mm=85)
    text(c, f["trainer_name"], 148.5, 177, 10, align="centre", max_w_mm=80)
    text(c, f"Trainer / assessor, registration {f['trainer_registration']}", 148.5, 182, 8, colour=MUTED, align="centre", max_w_mm=80)
    text(c, "Scan to verify", 258, 185, 7, colour=MUTED, align="centre")
    text(c, f"The QR code holds a statement signed by the centre's key {f['key_id']}; check it with centrebook verify.", 148.5, 195, 7, colour=MUTED, align="centre", max_w_mm=260)
    c.showPage()


def qrcode_version():
    try:
        from importlib.metadata import version
        return version("qrcode")
    except Exception:  # noqa: BLE001 - only a label
        return "?"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("n", type=int)
    p.add_argument("out")
    p.add_argument("--fonts", required=True)
    p.add_argument("--photo", required=True)
    p.add_argument("--combined", action="store_true")
    p.add_argument("--fixed-mask", action="store_true")
    a = p.parse_args()
    FIXED_MASK[0] = a.fixed_mask
    # rl_accel's functions replace the pure-Python ones only when the extension imported.
    if not hasattr(rl_accel, "_c_funcs") or "fp_str" not in rl_accel._c_funcs:
        sys.exit("reportlab's C accelerator is missing: pip install rl-accel")
    pdfmetrics.registerFont(TTFont("DejaVu", os.path.join(a.fonts, "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", os.path.join(a.fonts, "DejaVuSans-Bold.ttf")))
    os.makedirs(a.out, exist_ok=True)
    start = time.perf_counter()
    written = 0
    if a.combined:
        path = os.path.join(a.out, "combined.pdf")
        c = canvas.Canvas(path, pagesize=(W, H))
        for i in range(a.n):
            draw(c, fields(i), a.photo)
        c.save()
        written = os.path.getsize(path)
    else:
        for i in range(a.n):
            f = fields(i)
            path = os.path.join(a.out, f"{f['certificate_number']}.pdf")
            c = canvas.Canvas(path, pagesize=(W, H))
            draw(c, f, a.photo)
            c.save()
            written += os.path.getsize(path)
    seconds = time.perf_counter() - start
    print(json.dumps({"certificates": a.n, "seconds": seconds, "bytes": written, "reportlab": Version,
                      "rl_accel": True, "qrcode": qrcode_version()}))


if __name__ == "__main__":
    sys.exit(main())
