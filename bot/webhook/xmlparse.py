"""A WeChat XML parser that refuses declarations and resolves nothing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# Any markup declaration (DOCTYPE, ENTITY, ELEMENT, ...) is refused before parsing. CDATA
# sections and comments are the only "<!" constructs a WeChat message carries; they are
# skipped whole, so a follower's text may contain "<!DOCTYPE" inside its CDATA.
_MARKUP = re.compile(rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->|<!", re.DOTALL)

# WeChat's pushes nest four levels at most (PublishEventInfo/article_detail/item/...).
MAX_DEPTH = 8


class XMLRefused(ValueError):
    """The body is not XML we accept; the message is a short reason, never the content."""


def parse(data: bytes) -> dict:
    """Parse UTF-8 XML into nested dicts (repeated tags become lists); the root is dropped."""
    for match in _MARKUP.finditer(data):
        if match.end() - match.start() == 2:
            raise XMLRefused("markup declaration (DOCTYPE or ENTITY) refused")
    # With no DTD there is nothing to expand: expat knows only the five predefined entities and
    # refuses any other reference, and it never fetches anything. The encoding is fixed to
    # UTF-8 whatever the document declares (the body was checked to be UTF-8).
    parser = ET.XMLParser(encoding="utf-8")
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        raise XMLRefused(f"malformed XML ({_reason(exc)})") from None
    if len(root) == 0:
        raise XMLRefused("malformed XML (empty root element)")
    return _fields(root, 1)


def _reason(exc: ET.ParseError) -> str:
    # "not well-formed (invalid token): line 1, column 5": the kind and place, no content.
    return str(exc).split(":")[0]


def _fields(element: ET.Element, depth: int) -> dict:
    if depth > MAX_DEPTH:
        raise XMLRefused("malformed XML (nested too deeply)")
    fields: dict = {}
    for child in element:
        value = _fields(child, depth + 1) if len(child) else (child.text or "")
        name = child.tag
        if name in fields:
            existing = fields[name]
            if isinstance(existing, list):
                existing.append(value)
            else:
                fields[name] = [existing, value]
        else:
            fields[name] = value
    return fields
