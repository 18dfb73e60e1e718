"""The SVG pictures of the catalogue: small, well-formed, self-contained and
script-free (checked when the knowledge base loads, and again by the handout on
the very bytes it embeds)."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

from .schemas import MAX_PICTURE, PICTURES

_SVG = "{http://www.w3.org/2000/svg}"
_NOT_IN_PICTURES = {"script", "foreignObject", "image", "iframe", "embed", "object",
                    "audio", "video", "use"}


def picture_problems(path: Path) -> list[str]:
    """Why the SVG at path is not a small, well-formed, self-contained, script-free
    picture (empty when it is): no scripts or event handlers, no external references,
    no embedded images, only the generic sans-serif font."""
    name = f"{PICTURES}/{path.name}"
    try:
        if path.stat().st_size > MAX_PICTURE:
            return [f"picture {name} is larger than {MAX_PICTURE} bytes"]
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return [f"picture {name} is missing"]
    except (OSError, UnicodeDecodeError) as exc:
        return [f"cannot read picture {name}: {exc}"]
    return svg_problems(text, name)


def svg_problems(text: str, name: str) -> list[str]:
    """picture_problems for SVG text already read (the handout checks the very
    bytes it embeds)."""
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        return [f"picture {name} must not declare a DOCTYPE or entities"]
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        return [f"picture {name} is not well-formed XML: {exc}"]
    if root.tag != _SVG + "svg" or not root.get("viewBox"):
        return [f"picture {name} must be an <svg> element (SVG namespace) with a viewBox"]
    problems = []
    for el in root.iter():
        tag = str(el.tag).rsplit("}", 1)[-1]
        if tag in _NOT_IN_PICTURES:
            problems.append(f"picture {name} contains <{tag}>, which is not allowed")
        values = list(el.attrib.items()) + ([("style", el.text)] if tag == "style" else [])
        for attr, value in values:
            attr, value = attr.rsplit("}", 1)[-1], value or ""
            if attr.lower().startswith("on"):
                problems.append(f"picture {name} has an event handler {attr!r}")
            elif attr == "href" and not value.startswith("#"):
                problems.append(f"picture {name} refers to {value!r}; only #ids are allowed")
            if re.search(r"url\(\s*['\"]?(?!#)|@import", value):
                problems.append(f"picture {name} refers to an outside resource in {attr!r}")
            for font in re.findall(r"font-family\s*:\s*([^;\"]+)", value) + (
                    [value] if attr == "font-family" else []):
                if font.strip() != "sans-serif":
                    problems.append(f"picture {name} uses font {font.strip()!r}; "
                                    "only the generic sans-serif is allowed")
    return sorted(set(problems))
