"""A JPEG's own compressed picture without its metadata, rewritten without decoding it.

A photo that photos.js has already shrunk on the phone (at most 1600 px, upright, sRGB) need
not be decoded and encoded again on the server: that cost two thirds of a visit's server
time (issue 19) and a second generation of JPEG loss. Its tables and scans are kept as they
came; every APPn segment (EXIF with its GPS position, XMP, ICC, maker notes) and every
comment is dropped, and so is anything after the end of the picture (an MPO's second image,
a file glued on). Anything this does not plainly understand gives None, and the caller
decodes and encodes the photo as before.

Pillow has no way to drop segments without decoding, and jpegtran is not on a bare machine:
hence these few lines of marker walking (ITU T.81, B.1).
"""

import re

# Kept as they are: quantisation and Huffman tables, restart interval, the frame (baseline,
# extended or progressive, Huffman-coded: what browsers draw) and the scans.
DQT, DHT, DRI, SOS = 0xDB, 0xC4, 0xDD, 0xDA
FRAMES = (0xC0, 0xC1, 0xC2)
KEPT = {DQT, DHT, DRI, SOS, *FRAMES}
SOI, EOI = 0xD8, 0xD9
COM = 0xFE
APP14 = 0xEE  # Adobe: says whether the three components are YCbCr or RGB; without it a
# decoder takes YCbCr, so dropping it could change the colours. Such files are re-encoded.
# JFIF 1.01, square pixels, no thumbnail: what Pillow writes, so viewers take YCbCr.
# In coded data 0xFF 0x00 is a stuffed 0xFF byte and 0xFF 0xD0-0xD7 a restart, both part of
# the data; any other 0xFF begins the next marker (or fills before it).
NEXT_MARKER = re.compile(rb"\xff(?![\x00\xd0-\xd7])")
JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def without_metadata(data: bytes) -> bytes | None:
    """The JPEG's picture with JFIF's header only; None if it is not a plain 8-bit JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    out = [b"\xff\xd8", JFIF]
    pos, end = 2, len(data)
    frames = scans = 0
    while True:
        if pos >= end or data[pos] != 0xFF:
            return None
        while pos < end and data[pos] == 0xFF:  # fill bytes may come before any marker
            pos += 1
        if pos >= end:
            return None
        marker = data[pos]
        pos += 1
        if marker == EOI:
            if frames != 1 or not scans:
                return None
            out.append(b"\xff\xd9")
            return b"".join(out)
        if pos + 2 > end:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big")
        body_end = pos + length
        if length < 2 or body_end > end:
            return None
        if marker == APP14:
            return None
        if 0xE0 <= marker <= 0xEF or marker == COM:
            pos = body_end
            continue
        if marker not in KEPT:
            return None
        if marker in FRAMES:
            frames += 1
            if length < 8 or data[pos + 2] != 8 or frames > 1:  # 12-bit or a second frame
                return None
            # Components named "R", "G", "B" with no JFIF header are decoded as RGB; under the
            # JFIF header written here they would be read as YCbCr, in other colours.
            count = data[pos + 7]
            if data[pos + 8 : pos + 8 + 3 * count : 3] == b"RGB":
                return None
        out.append(bytes((0xFF, marker)) + data[pos:body_end])
        pos = body_end
        if marker == SOS:
            if not frames:
                return None
            scans += 1
            found = NEXT_MARKER.search(data, pos)
            if found is None or found.start() + 1 >= end:
                return None
            out.append(data[pos : found.start()])
            pos = found.start()
