"""What reading a bill's barcode from an uploaded image costs (issue 16, point 3).

``barcode_image.decode_image`` runs off the event loop (the upload handler's wrapper), but
it is CPU work a worker process does once per upload: this measures it for the images a
treasurer sends, from a clean scan to the largest photo the gate lets through, and the
refusal of a bigger one (its header only). Floor, in the same run: Pillow decoding the same
bytes to gray (the part no barcode reader can skip). Medians of ``--runs``.

    .venv/bin/python bench/barcode_decode.py [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import time
from pathlib import Path

import treepoem
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import median_ms  # noqa: E402
from occireflex.domain.errors import ValidationError  # noqa: E402
from occireflex.domain.payments import barcode, barcode_image  # noqa: E402

LINE = "(415)7709998010017(8020)84123456(3902)0000156000(96)20270115"


def symbol() -> Image.Image:
    return treepoem.generate_barcode(barcode_type="gs1-128", data=LINE).convert("L")


def scan(code: Image.Image) -> bytes:
    """The bill scanned at 300 dpi: the symbol (≈ 12 cm) on a white A5-sized page, PNG."""
    page = Image.new("L", (1748, 2480), 255)
    page.paste(code.resize((code.width * 2, code.height * 2), Image.Resampling.NEAREST),
               (160, 1800))
    return encode(page, "PNG")


def photo(code: Image.Image, size: tuple[int, int]) -> bytes:
    """A phone photo of the bill: grey paper, the symbol about a third of the width, tilted,
    slightly blurred, JPEG."""
    page = Image.new("L", size, 228)
    scale = max(2, size[0] // 5 // code.width)
    big = code.resize((code.width * scale, code.height * scale), Image.Resampling.NEAREST)
    page.paste(big, (size[0] // 3, size[1] // 2))
    page = page.rotate(3, fillcolor=228).filter(ImageFilter.GaussianBlur(1.2))
    return encode(page, "JPEG", quality=88)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def pillow_floor(data: bytes) -> None:
    Image.open(io.BytesIO(data)).convert("L")


def refused(data: bytes) -> None:
    try:
        barcode_image.decode_image(data)
    except ValidationError:
        return
    raise AssertionError("la imagen debía ser rechazada")


async def worst_tick_ms(work) -> float:
    """The event loop's longest late tick (1 ms sleeps) while ``work`` runs in a thread, as
    the handler wrapper runs domain calls; ``work=None``: the idle loop's, for comparison."""
    loop = asyncio.get_running_loop()
    done = loop.run_in_executor(None, work) if work else asyncio.sleep(0.3)
    done = asyncio.ensure_future(done)
    worst = 0.0
    while not done.done():
        start = time.perf_counter()
        await asyncio.sleep(0.001)
        worst = max(worst, time.perf_counter() - start - 0.001)
    await done
    return worst * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    code = symbol()
    cases = {
        "scan 300 dpi (1748×2480 PNG)": scan(code),
        "photo 12 MP (4000×3000 JPEG)": photo(code, (4000, 3000)),
        "photo 39 MP (7200×5400 JPEG, the largest let through)": photo(code, (7200, 5400)),
    }
    parsed_check = barcode.parse_line(LINE)
    print(f"line parsed: {parsed_check}")
    print(f"{'image':<55} {'KB':>6} {'decode ms':>10} {'Pillow floor ms':>16} {'× floor':>8}")
    for name, data in cases.items():
        assert barcode_image.decode_image(data) == LINE, name
        ms = median_ms(lambda d=data: barcode_image.decode_image(d), runs)
        floor = median_ms(lambda d=data: pillow_floor(d), runs)
        print(f"{name:<55} {len(data) // 1024:>6} {ms:>10.1f} {floor:>16.1f} {ms / floor:>8.1f}")
    big = encode(Image.new("L", (8000, 6000), 228), "JPEG", quality=60)
    ms = median_ms(lambda: refused(big), runs)
    floor = median_ms(lambda: pillow_floor(big), runs)
    print(f"{'photo 48 MP (8000×6000), refused from its header':<55} {len(big) // 1024:>6} "
          f"{ms:>10.2f} {floor:>16.1f} {ms / floor:>8.3f}")
    largest = cases["photo 39 MP (7200×5400 JPEG, the largest let through)"]
    idle = max(asyncio.run(worst_tick_ms(None)) for _ in range(3))
    busy = max(asyncio.run(worst_tick_ms(lambda: barcode_image.decode_image(largest)))
               for _ in range(3))
    print(f"event loop's worst late tick while the 39 MP photo is read in a thread: "
          f"{busy:.1f} ms (idle loop: {idle:.1f} ms)")
    ms = median_ms(lambda: barcode.parse_line(LINE), runs * 20)
    print(f"parse_line of the typed line: {ms:.3f} ms")


if __name__ == "__main__":
    main()
