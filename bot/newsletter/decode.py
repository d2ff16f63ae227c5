"""Bytes of an uploaded text file to str: size limit, binary check, UTF-8/UTF-16/GBK detection."""

from __future__ import annotations

import codecs
import unicodedata

# An issue's text is about 20 KB; anything this big is not a newsletter and is refused unread.
MAX_BYTES = 2 * 1024 * 1024
# A Markdown file with its photos pasted in as data: URIs is larger.
MAX_MARKDOWN_BYTES = 25 * 1024 * 1024


class IssueImportError(ValueError):
    """An input cannot be imported; the message is one line a person can act on."""


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3000 <= code <= 0x303F  # CJK punctuation
        or 0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
    )


def _looks_like_text(text: str) -> bool:
    """Few control characters, and non-ASCII mostly CJK or letters (not decoding noise)."""
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    return controls <= len(text) // 1000


def _gbk_plausible(text: str) -> bool:
    """A GBK trial decode is believed only if most non-ASCII characters came out as CJK."""
    wide = [c for c in text if ord(c) > 0x7F]
    return bool(wide) and sum(_is_cjk(c) for c in wide) >= 0.8 * len(wide)


def decode_bytes(data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """Decode an uploaded file, or raise IssueImportError with one line saying why it cannot be."""
    if len(data) > max_bytes:
        raise IssueImportError(
            f"the file is {len(data) / 1048576:.1f} MB; the limit for an issue's text is "
            f"{max_bytes / 1048576:.0f} MB"
        )
    if not data.strip():
        raise IssueImportError("the file is empty")
    if data.startswith(b"%PDF"):
        raise IssueImportError("this is a PDF; import it as a .pdf file (mmsp-bot ingest FILE.pdf)")
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise IssueImportError(f"the file starts like {codec} text but is not") from None
            break
    else:
        if b"\x00" in data:
            raise IssueImportError("this is a binary file, not the text of an issue")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                text = ""
            if not _gbk_plausible(text):
                raise IssueImportError(
                    "unknown text encoding: not UTF-8, UTF-16 or GBK (save the file as UTF-8)"
                ) from None
    if not _looks_like_text(text):
        raise IssueImportError("this is a binary file, not the text of an issue")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IssueImportError("the file is empty")
    return text
