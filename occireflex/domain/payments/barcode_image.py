"""Reading a bill's GS1-128 barcode from a photo or a scan (zxing-cpp over Pillow).

``decode_image`` is a pure function of the bytes and CPU work: the UI runs it off the
event loop. It refuses what is not an image, files over ``MAX_BYTES`` and images over
``MAX_PIXELS`` (checked from the header, before any pixel is decoded: a small file can
unpack into gigabytes), and returns the barcode's content as the line printed under the
bars, «(415)…(8020)…(3900)…(96)…», for ``barcode.parse_line``.
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image, UnidentifiedImageError

from occireflex.domain.errors import ValidationError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is refused; a 12-megapixel one is not
FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF")

NOT_AN_IMAGE = "El archivo no es una imagen (PNG, JPEG, WebP, BMP, GIF o TIFF)."
TOO_HEAVY = "La imagen pesa más de 10 MB: envíe una foto más liviana."
TOO_MANY_PIXELS = ("La imagen es demasiado grande (más de 40 megapíxeles): envíe una foto de "
                   "menor resolución.")
NOT_FOUND = ("No se encontró un código de barras en la imagen: tome la foto de frente, con "
             "buena luz y con el código de barras completo.")
NOT_GS1 = "El código de barras de la imagen no es el de una factura (GS1-128)."
SEVERAL = ("La imagen tiene varios códigos de barras de factura distintos: tome la foto de uno "
           "solo.")


def decode_image(data: bytes) -> str:
    """The GS1 content of the one GS1-128 barcode in a photo or scan, with the AIs in
    parentheses; ValidationError with a Spanish message otherwise."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise ValidationError(NOT_AN_IMAGE)
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_HEAVY)
    image = _grayscale(data)
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128,
                                   text_mode=zxingcpp.TextMode.HRI)
    contents = list(dict.fromkeys(
        code.text for code in found if code.content_type == zxingcpp.ContentType.GS1))
    if not contents:
        raise ValidationError(NOT_GS1 if found else NOT_FOUND)
    if len(contents) > 1:
        raise ValidationError(SEVERAL)
    return contents[0]


def _grayscale(data: bytes) -> Image.Image:
    """The image decoded in shades of gray (transparency on white), its size checked first."""
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ValidationError(TOO_MANY_PIXELS)
        image.load()
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            white = Image.new("RGBA", image.size, "white")
            white.alpha_composite(image.convert("RGBA"))
            image = white
        return image.convert("L")
    except Image.DecompressionBombError as exc:
        raise ValidationError(TOO_MANY_PIXELS) from exc
    except (UnidentifiedImageError, OSError, ValueError, EOFError, SyntaxError) as exc:
        raise ValidationError(NOT_AN_IMAGE) from exc
