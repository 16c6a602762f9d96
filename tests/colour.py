"""Colour science for the tests: sRGB <-> CIELAB (D65), CIEDE2000 colour difference (Sharma, Wu & Dalal 2005),
colour-vision-deficiency simulation (Machado, Oliveira & Fernandes 2009, severity 1.0, applied in linear RGB) and
the WCAG relative luminance / contrast ratio. Checked against published reference values in tests/test_colours.py."""
from __future__ import annotations

import math

import numpy as np

# Machado et al. 2009, table of simulation matrices for dichromacy (severity 1.0), on linear sRGB.
MACHADO = {
    "protanopie": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deutéranopie": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopie": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
VISIONS = ("normale", *MACHADO)


def hex_to_rgb1(colour: str) -> np.ndarray:
    c = colour.strip().lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return np.array([int(c[i:i + 2], 16) / 255 for i in (0, 2, 4)])


def to_linear(rgb1: np.ndarray) -> np.ndarray:
    rgb1 = np.asarray(rgb1, dtype=float)
    return np.where(rgb1 <= 0.04045, rgb1 / 12.92, ((rgb1 + 0.055) / 1.055) ** 2.4)


def from_linear(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(np.asarray(lin, dtype=float), 0, 1)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def simulate(colour: str, vision: str) -> np.ndarray:
    """The sRGB (0..1) colour as seen with the given vision ('normale' or a MACHADO key)."""
    rgb = hex_to_rgb1(colour)
    if vision == "normale":
        return rgb
    return from_linear(MACHADO[vision] @ to_linear(rgb))


def rgb1_to_lab(rgb1: np.ndarray) -> np.ndarray:
    lin = to_linear(rgb1)
    m = np.array([[0.4124564, 0.3575761, 0.1804375],
                  [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = m @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1)."""
    L1, a1, b1 = (float(v) for v in lab1)
    L2, a2, b2 = (float(v) for v in lab2)
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dLp, dCp = L2 - L1, c2p - c1p
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    elif h2p - h1p > 180:
        dhp = h2p - h1p - 360
    else:
        dhp = h2p - h1p + 360
    dHp = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    Lp_bar, Cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_bar = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        hp_bar = (h1p + h2p + 360) / 2
    else:
        hp_bar = (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hp_bar - 30)) + 0.24 * math.cos(math.radians(2 * hp_bar))
         + 0.32 * math.cos(math.radians(3 * hp_bar + 6)) - 0.20 * math.cos(math.radians(4 * hp_bar - 63)))
    d_theta = 30 * math.exp(-(((hp_bar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(Cp_bar ** 7 / (Cp_bar ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (Lp_bar - 50) ** 2 / math.sqrt(20 + (Lp_bar - 50) ** 2)
    sc = 1 + 0.045 * Cp_bar
    sh = 1 + 0.015 * Cp_bar * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2 + rt * (dCp / sc) * (dHp / sh))


def distance(colour1: str, colour2: str, vision: str = "normale") -> float:
    """CIEDE2000 between two hex colours as seen with ``vision``."""
    return ciede2000(rgb1_to_lab(simulate(colour1, vision)), rgb1_to_lab(simulate(colour2, vision)))


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a hex colour."""
    r, g, b = to_linear(hex_to_rgb1(colour))
    return float(0.2126 * r + 0.7152 * g + 0.0722 * b)


def contrast(colour1: str, colour2: str) -> float:
    """WCAG 2 contrast ratio."""
    high, low = sorted((luminance(colour1), luminance(colour2)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def parse_colour(value: str) -> str:
    """'#abc', '#aabbcc' or 'rgb(r, g, b)' -> '#aabbcc'."""
    value = value.strip().lower()
    if value.startswith("rgb"):
        parts = [int(float(p)) for p in value[value.index("(") + 1:value.index(")")].split(",")[:3]]
        return "#%02x%02x%02x" % tuple(parts)
    c = value.lstrip("#")
    return "#" + ("".join(ch * 2 for ch in c) if len(c) == 3 else c)
