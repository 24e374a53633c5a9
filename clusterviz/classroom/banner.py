"""The join code in large type, for a terminal projected on the wall."""
from __future__ import annotations

import io

import segno

#: Digits five rows high, drawn with full blocks (the code is digits only).
_DIGITS = {
    "0": ["█████", "█   █", "█   █", "█   █", "█████"],
    "1": ["  █  ", " ██  ", "  █  ", "  █  ", " ███ "],
    "2": ["█████", "    █", "█████", "█    ", "█████"],
    "3": ["█████", "    █", " ████", "    █", "█████"],
    "4": ["█   █", "█   █", "█████", "    █", "    █"],
    "5": ["█████", "█    ", "█████", "    █", "█████"],
    "6": ["█████", "█    ", "█████", "█   █", "█████"],
    "7": ["█████", "    █", "   █ ", "  █  ", "  █  "],
    "8": ["█████", "█   █", "█████", "█   █", "█████"],
    "9": ["█████", "█   █", "█████", "    █", "█████"],
}


def large(code: str) -> str:
    """``code`` five lines high (characters without a glyph are left out)."""
    glyphs = [_DIGITS[c] for c in code if c in _DIGITS]
    return "\n".join("  ".join(g[row] for g in glyphs) for row in range(5))


def qr_text(url: str) -> str:
    """``url`` as a QR code in text (two modules per character), for the terminal."""

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()
