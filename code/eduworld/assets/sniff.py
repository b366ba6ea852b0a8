"""What an uploaded file is, read from its first bytes: never from its name or the client's word.

Only the types in ALLOWED are accepted. Each is recognised by its signature (its "magic
bytes"); the office formats, which are all ZIP files, by the entry inside that names them.
The stored file takes its extension from the type found here, and both nginx and Django
serve it with that type: what a browser is told a file is, is what this module found.

Not accepted, on purpose:
- SVG: it is XML that may carry <script> and event handlers, and a browser opening it from
  EduWorld's own origin would run them there (read the CSRF cookie, call the API as the
  viewer). Teachers can export a PNG instead.
- HTML, and anything else not recognised (text, scripts, archives, executables).
- Office files with macros (docm, xlsm, pptm) and templates: their ZIP names another type.

Recognising a signature does not prove a file harmless: a valid PNG can carry HTML in a text
chunk. That is why media is served with `nosniff`, a sandboxing Content-Security-Policy and,
for anything not displayed inline, `attachment` (eduworld.assets.media and the nginx role).
"""

import zipfile
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str
    inline: bool  # a browser shows it itself (image, audio, video, PDF); others are downloaded
    label: str


OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."

# --8<-- [start:allowed]
ALLOWED = {t.mime: t for t in [
    FileType("image/png", "png", True, "PNG"),
    FileType("image/jpeg", "jpg", True, "JPEG"),
    FileType("image/gif", "gif", True, "GIF"),
    FileType("image/webp", "webp", True, "WebP"),
    FileType("application/pdf", "pdf", True, "PDF"),
    FileType("audio/mpeg", "mp3", True, "MP3"),
    FileType("audio/ogg", "ogg", True, "Ogg"),
    FileType("audio/wav", "wav", True, "WAV"),
    FileType("video/mp4", "mp4", True, "MP4"),
    FileType("video/webm", "webm", True, "WebM"),
    FileType(OOXML + "wordprocessingml.document", "docx", False, "Word (docx)"),
    FileType(OOXML + "spreadsheetml.sheet", "xlsx", False, "Excel (xlsx)"),
    FileType(OOXML + "presentationml.presentation", "pptx", False, "PowerPoint (pptx)"),
    FileType(ODF + "text", "odt", False, "OpenDocument text (odt)"),
    FileType(ODF + "spreadsheet", "ods", False, "OpenDocument spreadsheet (ods)"),
    FileType(ODF + "presentation", "odp", False, "OpenDocument presentation (odp)"),
]}
# --8<-- [end:allowed]
BY_EXTENSION = {t.extension: t for t in ALLOWED.values()}

MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
              b"dash"}
HEAD = 4096  # bytes read to recognise a signature


class Refused(ValueError):
    """The content is not one of the allowed types; the message says why, for the uploader."""


def allowed_list():
    return ", ".join(t.label for t in ALLOWED.values())


def sniff(file):
    """The FileType of an open binary file (read from its start), or Refused."""
    file.seek(0)
    head = file.read(HEAD)
    file.seek(0)
    mime = signature(head) or (office(file) if head.startswith(b"PK\x03\x04") else None)
    file.seek(0)
    if mime is not None:
        return ALLOWED[mime]
    if b"<svg" in head.lower():
        raise Refused("SVG images are not accepted: they can carry scripts. "
                      f"Export a PNG instead. Accepted: {allowed_list()}.")
    raise Refused("This is not a file type EduWorld accepts (the type is read from the file's "
                  f"content, not its name). Accepted: {allowed_list()}.")


def signature(head):
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        # The signature, then the IHDR chunk that every PNG starts with: a file that only
        # borrows the first eight bytes (and is HTML after them) is not a PNG.
        return "image/png" if head[8:16] == b"\x00\x00\x00\x0dIHDR" else None
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE"):
        return "image/webp" if head[8:12] == b"WEBP" else "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"ID3") or (len(head) > 2 and head[0] == 0xFF and head[1] & 0xE6 in
                                   (0xE2, 0xE4, 0xE6) and head[1] & 0x18 != 0x08):
        return "audio/mpeg"  # an ID3 tag, or an MPEG audio frame header (layer I to III)
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"\x42\x82\x84webm" in head[:64]:
        return "video/webm"  # EBML, DocType "webm" (not any Matroska file)
    return None


def office(file):
    """OOXML: [Content_Types].xml names the main part. ODF: the first entry, `mimetype`."""
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            first = entries[0] if entries else None
            if first and first.filename == "mimetype" and first.file_size < 100:
                found = archive.read(first).decode("ascii", "replace").strip()
                return found if found.startswith(ODF) and found in ALLOWED else None
            types = next((e for e in entries if e.filename == "[Content_Types].xml"), None)
            if types is None or types.file_size > 1_000_000:
                return None
            listed = archive.read(types)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
            NotImplementedError):
        return None  # damaged, encrypted, or compressed in a way zipfile does not read
    for mime in ALLOWED:
        if mime.startswith(OOXML) and f'"{mime}.main+xml"'.encode() in listed:
            return mime
    return None
