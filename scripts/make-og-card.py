"""Write static/img/og-card.png: the card image social platforms show beside a shared link
(``og:image`` / ``twitter:image`` on reader pages). Run once; the PNG is committed.

Pure standard library (zlib, struct): the project does not depend on Pillow, and most
platforms refuse SVG cards. The text is drawn with a small 5x7 bitmap font, scaled up.

    python scripts/make-og-card.py [--name "Fact-check Workbench"]
"""

from __future__ import annotations

import argparse
import struct
import zlib
from pathlib import Path

WIDTH, HEIGHT = 1200, 630  # the size platforms ask for (1.91:1); templates state it
OUT = Path(__file__).resolve().parents[1] / "static" / "img" / "og-card.png"

INK = (0x1D, 0x24, 0x30)
ACCENT = (0x1F, 0x5F, 0xBF)
WHITE = (0xFF, 0xFF, 0xFF)
PALE = (0xC9, 0xD6, 0xEA)
# Rating colours, as a strip along the bottom (true ... false).
STRIP = [
    (0x1E, 0x7B, 0x34),
    (0x6A, 0x9A, 0x1F),
    (0xC7, 0x8A, 0x00),
    (0xD3, 0x5F, 0x12),
    (0xB3, 0x26, 0x1E),
]

# 5x7 glyphs, one string of five bits per row.
FONT = {
    "A": ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
    "B": ["11110", "10001", "10001", "11110", "10001", "10001", "11110"],
    "C": ["01110", "10001", "10000", "10000", "10000", "10001", "01110"],
    "D": ["11110", "10001", "10001", "10001", "10001", "10001", "11110"],
    "E": ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
    "F": ["11111", "10000", "10000", "11110", "10000", "10000", "10000"],
    "G": ["01110", "10001", "10000", "10111", "10001", "10001", "01111"],
    "H": ["10001", "10001", "10001", "11111", "10001", "10001", "10001"],
    "I": ["01110", "00100", "00100", "00100", "00100", "00100", "01110"],
    "J": ["00111", "00010", "00010", "00010", "00010", "10010", "01100"],
    "K": ["10001", "10010", "10100", "11000", "10100", "10010", "10001"],
    "L": ["10000", "10000", "10000", "10000", "10000", "10000", "11111"],
    "M": ["10001", "11011", "10101", "10101", "10001", "10001", "10001"],
    "N": ["10001", "10001", "11001", "10101", "10011", "10001", "10001"],
    "O": ["01110", "10001", "10001", "10001", "10001", "10001", "01110"],
    "P": ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
    "Q": ["01110", "10001", "10001", "10001", "10101", "10010", "01101"],
    "R": ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
    "S": ["01111", "10000", "10000", "01110", "00001", "00001", "11110"],
    "T": ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
    "U": ["10001", "10001", "10001", "10001", "10001", "10001", "01110"],
    "V": ["10001", "10001", "10001", "10001", "10001", "01010", "00100"],
    "W": ["10001", "10001", "10001", "10101", "10101", "10101", "01010"],
    "X": ["10001", "10001", "01010", "00100", "01010", "10001", "10001"],
    "Y": ["10001", "10001", "01010", "00100", "00100", "00100", "00100"],
    "Z": ["11111", "00001", "00010", "00100", "01000", "10000", "11111"],
    "-": ["00000", "00000", "00000", "11111", "00000", "00000", "00000"],
    " ": ["00000"] * 7,
    ":": ["00000", "00100", "00100", "00000", "00100", "00100", "00000"],
}


class Canvas:
    def __init__(self, width: int, height: int, colour) -> None:
        self.width, self.height = width, height
        self.rows = [bytearray(bytes(colour) * width) for _ in range(height)]

    def rect(self, x: int, y: int, w: int, h: int, colour) -> None:
        for row in self.rows[max(0, y) : min(self.height, y + h)]:
            start, end = max(0, x), min(self.width, x + w)
            row[start * 3 : end * 3] = bytes(colour) * (end - start)

    def text(self, x: int, y: int, words: str, scale: int, colour) -> None:
        for char in words.upper():
            for r, bits in enumerate(FONT.get(char, FONT[" "])):
                for c, bit in enumerate(bits):
                    if bit == "1":
                        self.rect(x + c * scale, y + r * scale, scale, scale, colour)
            x += 6 * scale

    def png(self) -> bytes:
        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        raw = b"".join(b"\x00" + bytes(row) for row in self.rows)  # filter: none
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b"")
        )


def text_width(words: str, scale: int) -> int:
    return len(words) * 6 * scale - scale


def card(name: str) -> bytes:
    canvas = Canvas(WIDTH, HEIGHT, INK)
    canvas.rect(0, 0, 24, HEIGHT, ACCENT)
    # The name, on one line or split at its last space, as large as fits.
    words = name.upper()
    lines = [words]
    if text_width(words, 12) > WIDTH - 160 and " " in words:
        head, _, tail = words.rpartition(" ")
        lines = [head, tail]
    scale = 16
    while scale > 4 and max(text_width(line, scale) for line in lines) > WIDTH - 160:
        scale -= 1
    y = 130
    for line in lines:
        canvas.text(96, y, line, scale, WHITE)
        y += 9 * scale
    canvas.rect(96, y + 10, 160, 8, ACCENT)
    canvas.text(96, y + 60, "Claims checked against the evidence", 5, PALE)
    band = WIDTH // len(STRIP)
    for i, colour in enumerate(STRIP):
        canvas.rect(
            i * band,
            HEIGHT - 28,
            band + (WIDTH % len(STRIP) if i == len(STRIP) - 1 else 0),
            28,
            colour,
        )
    return canvas.png()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="Fact-check Workbench")
    args = parser.parse_args()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(card(args.name))
    print(f"wrote {OUT} ({WIDTH}x{HEIGHT})")


if __name__ == "__main__":
    main()
