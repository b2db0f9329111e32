"""tools/psf.py — reading Linux console fonts (PSF1 and PSF2, gzip'd or not).

Shared by tools/mkfont (which builds the kernel's font blob) and tests/uefi_test.py (which
renders the text it expects on keel's framebuffer with the very same glyphs).

load(path) returns a Font whose glyph(cp) is the bitmap (height rows of bytes_per_row bytes,
most significant bit leftmost) for the Unicode code point cp, found through the font's Unicode
table; a code point the font lacks maps to the glyph of '?'.
"""
import gzip
import struct

PSF1_MAGIC = b"\x36\x04"
PSF1_MODE512, PSF1_MODEHASTAB, PSF1_MODESEQ = 0x01, 0x02, 0x04
PSF2_MAGIC = b"\x72\xb5\x4a\x86"
PSF2_HAS_UNICODE_TABLE = 0x01


class Font:
    def __init__(self, width, height, glyphs, umap):
        self.width, self.height = width, height
        self.bytes_per_row = (width + 7) // 8
        self.glyphs = glyphs		# list of bytes, one per glyph
        self.umap = umap		# code point -> glyph index

    def index(self, cp):
        if cp in self.umap:
            return self.umap[cp]
        if not self.umap and cp < len(self.glyphs):
            return cp			# no table: glyph i is code point i
        return self.umap.get(ord("?"), ord("?") if len(self.glyphs) > ord("?") else 0)

    def glyph(self, cp):
        return self.glyphs[self.index(cp)]

    def pixel(self, cp, x, y):
        """True where glyph cp has ink at column x, row y."""
        g = self.glyph(cp)
        return bool(g[y * self.bytes_per_row + x // 8] & (0x80 >> (x % 8)))


def _psf1_table(data, n):
    umap, i, glyph = {}, 0, 0
    while glyph < n and i + 1 < len(data):
        (u,) = struct.unpack_from("<H", data, i)
        i += 2
        if u == 0xFFFF:
            glyph += 1
        elif u == 0xFFFE:		# a sequence follows: skip to the glyph's end
            while i + 1 < len(data) and struct.unpack_from("<H", data, i)[0] != 0xFFFF:
                i += 2
        else:
            umap.setdefault(u, glyph)
    return umap


def _psf2_table(data, n):
    umap, glyph, i = {}, 0, 0
    while glyph < n and i < len(data):
        b = data[i]
        if b == 0xFF:
            glyph += 1
            i += 1
        elif b == 0xFE:			# sequences: skip to the glyph's end
            while i < len(data) and data[i] != 0xFF:
                i += 1
        else:
            ln = 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
            ch = data[i:i + ln].decode("utf-8", "replace")
            if ch:
                umap.setdefault(ord(ch[0]), glyph)
            i += ln
    return umap


def parse(data):
    if data[:2] == PSF1_MAGIC:
        mode, size = data[2], data[3]
        n = 512 if mode & PSF1_MODE512 else 256
        glyphs = [data[4 + i * size:4 + (i + 1) * size] for i in range(n)]
        umap = _psf1_table(data[4 + n * size:], n) if mode & (PSF1_MODEHASTAB | PSF1_MODESEQ) \
            else {}
        return Font(8, size, glyphs, umap)
    if data[:4] == PSF2_MAGIC:
        _, _, hdr, flags, n, size, h, w = struct.unpack_from("<4sIIIIIII", data, 0)
        if size != h * ((w + 7) // 8):
            raise ValueError("PSF2: glyph size does not match width x height")
        glyphs = [data[hdr + i * size:hdr + (i + 1) * size] for i in range(n)]
        umap = _psf2_table(data[hdr + n * size:], n) if flags & PSF2_HAS_UNICODE_TABLE else {}
        return Font(w, h, glyphs, umap)
    raise ValueError("not a PSF1 or PSF2 font")


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return parse(data)


def latin1_psf2(font):
    """A PSF2 file (no Unicode table) whose glyph i is code point i, for i in 0..255."""
    size = font.height * font.bytes_per_row
    hdr = struct.pack("<4sIIIIIII", PSF2_MAGIC, 0, 32, 0, 256, size, font.height, font.width)
    return hdr + b"".join(font.glyph(cp)[:size].ljust(size, b"\0") for cp in range(256))
