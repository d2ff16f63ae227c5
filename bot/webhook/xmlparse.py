"""A WeChat XML parser that refuses declarations and resolves nothing."""

from __future__ import annotations

import re
from xml.parsers import expat

# Any markup declaration (DOCTYPE, ENTITY, ELEMENT, ...) is refused before parsing. CDATA
# sections and comments are the only "<!" constructs a WeChat message carries; they are
# skipped whole, so a follower's text may contain "<!DOCTYPE" inside its CDATA.
_MARKUP = re.compile(rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->|<!", re.DOTALL)


class XMLRefused(ValueError):
    """The body is not XML we accept; the message is a short reason, never the content."""


def _forbid(*_args) -> None:
    raise XMLRefused("declarations are not allowed")


def parse(data: bytes) -> dict:
    """Parse UTF-8 XML into nested dicts (repeated tags become lists); the root is dropped."""
    for match in _MARKUP.finditer(data):
        if match.end() - match.start() == 2:
            raise XMLRefused("markup declaration (DOCTYPE or ENTITY) refused")
    parser = expat.ParserCreate(encoding="utf-8")
    # Second line of defence should the scan above ever miss one: no DTD, no entity is honoured.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.buffer_text = True

    root: dict = {}
    stack: list[tuple[str, dict, list[str]]] = [("", root, [])]

    def start(name: str, _attrs) -> None:
        stack.append((name, {}, []))

    def end(name: str) -> None:
        _, children, text = stack.pop()
        value: str | dict = children if children else "".join(text)
        parent = stack[-1][1]
        if name in parent:
            existing = parent[name]
            if isinstance(existing, list):
                existing.append(value)
            else:
                parent[name] = [existing, value]
        else:
            parent[name] = value

    def chars(data: str) -> None:
        stack[-1][2].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XMLRefused(f"malformed XML ({expat.ErrorString(exc.code)})") from None
    if len(root) != 1:
        raise XMLRefused("malformed XML (no root element)")
    document = next(iter(root.values()))
    if not isinstance(document, dict):
        raise XMLRefused("malformed XML (empty root element)")
    return document
