"""Small files of each kind, made here: the least that each format's signature needs."""

import io
import struct
import zipfile
import zlib

from eduworld.assets.sniff import ODF, OOXML


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data)))


def png(extra_chunks=b""):
    """A 1x1 grey PNG; extra_chunks go before its image data."""
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + extra_chunks + png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
            + png_chunk(b"IEND", b""))


def zipped(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compress)
    return buffer.getvalue()


def ooxml(main_type, part="word/document.xml"):
    types = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/{part}" ContentType="{main_type}"/></Types>')
    return zipped([("[Content_Types].xml", types), (part, "<document/>")])


def odf(mime, first=True):
    entries = [("mimetype", mime), ("content.xml", "<office:document-content/>")]
    return zipped(entries if first else entries[::-1])


DOCX = ooxml(OOXML + "wordprocessingml.document.main+xml")

ACCEPTED = {  # name: (content, the type the server derives)
    "cloud.png": (png(), "image/png"),
    "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 32, "image/jpeg"),
    "anim.gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
    "pic.webp": (b"RIFF\x1a\x00\x00\x00WEBPVP8 \x0e\x00\x00\x00" + b"\x00" * 14, "image/webp"),
    "sheet.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
                  "application/pdf"),
    "song.mp3": (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 8, "audio/mpeg"),
    "bare.mp3": (b"\xff\xfb\x90\x64" + b"\x00" * 40, "audio/mpeg"),
    "bird.ogg": (b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1evorbis", "audio/ogg"),
    "beep.wav": (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + b"\x00" * 24, "audio/wav"),
    "clip.mp4": (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 8, "video/mp4"),
    "clip.webm": (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04"
                  b"\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04", "video/webm"),
    "notes.docx": (DOCX, OOXML + "wordprocessingml.document"),
    "marks.xlsx": (ooxml(OOXML + "spreadsheetml.sheet.main+xml", "xl/workbook.xml"),
                   OOXML + "spreadsheetml.sheet"),
    "talk.pptx": (ooxml(OOXML + "presentationml.presentation.main+xml",
                        "ppt/presentation.xml"), OOXML + "presentationml.presentation"),
    "notes.odt": (odf(ODF + "text"), ODF + "text"),
    "marks.ods": (odf(ODF + "spreadsheet"), ODF + "spreadsheet"),
    "talk.odp": (odf(ODF + "presentation"), ODF + "presentation"),
}

SVG_WITH_SCRIPT = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
                   b'<script>fetch("/api/auth/me/").then(r => r.text()).then(alert)</script>'
                   b'<circle r="4"/></svg>')
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

REFUSED = {  # name: content
    "drawing.svg": SVG_WITH_SCRIPT,
    "drawing.png": b"\n  " + SVG_WITH_SCRIPT,
    "worksheet.pdf": HTML,
    # Starts like a PNG, and is HTML after the signature (no IHDR chunk).
    "polyglot.png": b"\x89PNG\r\n\x1a\n" + HTML,
    "notes.txt": b"Just some text, not a document.\n",
    "macros.docm": ooxml("application/vnd.ms-word.document.macroEnabled.main+xml"),
    "archive.zip": zipped([("readme.txt", "hello")]),
    "late.odt": odf(ODF + "text", first=False),
    "other.odg": odf(ODF + "graphics"),
    "film.mkv": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska" + b"\x00" * 8,
    "photo.heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 8,
    "broken.docx": b"PK\x03\x04" + b"\x00" * 40,
    "script.sh": b"#!/bin/sh\nrm -rf /\n",
}
