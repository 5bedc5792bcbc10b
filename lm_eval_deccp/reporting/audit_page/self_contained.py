"""What makes a page of this package one self-contained, safe HTML file (the audit page and the spot-check page):
its script and style inlined from lm_eval_deccp/resources/<page>/, its data as JSON that cannot end the <script>
element holding it, and a Content-Security-Policy that allows only that script and style (by hash) and data:
images."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
# Characters that must not appear raw inside a <script> element's JSON: `</script>` or `<!--` would end or change
# the element, and U+2028/2029 are line terminators to older JavaScript parsers.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                                  "\u2029": "\\u2029"})


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element, whatever strings it holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_SCRIPT_ESCAPES)


def resource(name: str, folder: Path) -> str:
    """A script or style to inline (the spot-check page's too, from its own folder)."""
    text = (folder / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise ValueError(f"resources/{folder.name}/{name} must not contain a closing </script> or </style> tag")
    return text


def page_style(folder: Path) -> str:
    """A page's style: the colours and box model both pages share (resources/page_palette.css), then its own."""
    return resource("page_palette.css", RESOURCES) + resource("page.css", folder)


def content_security_policy(style: str, script: str) -> str:
    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"

    return (f"default-src 'none'; img-src data:; style-src {digest(style)}; script-src {digest(script)}; "
            "base-uri 'none'; form-action 'none'")
