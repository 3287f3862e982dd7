"""Peak memory of image_folder on a folder of phone-sized photos, against keeping every decoded photo.

    python tools/bench_image_folder.py [COUNT] [FOLDER]

Writes COUNT (default 300) 4000x3000 JPEGs into FOLDER (default build/phone_photos, reused when
present), then loads them at 64x64 in a fresh process each way and prints one JSON line per way:
peak resident memory (MB) and seconds.
"""

import json
import subprocess
import sys
from pathlib import Path

LOAD = """
import resource, sys, time
start = time.monotonic()
if sys.argv[2] == "image_folder":
    from cnnlab.data import image_folder
    data = image_folder(sys.argv[1], size=64)
    count = len(data)
else:  # the old way: every photo decoded at full size and kept, resized at the end
    from pathlib import Path
    from PIL import Image, ImageOps
    kept = []
    for file in sorted(Path(sys.argv[1]).rglob("*.jpg")):
        with Image.open(file) as image:
            image.load()
            kept.append(image.convert("RGB"))
    small = [ImageOps.fit(image, (64, 64)) for image in kept]
    count = len(small)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(count, round(peak), round(time.monotonic() - start, 1))
"""


def make_photos(folder: Path, count: int) -> None:
    from PIL import Image, ImageDraw

    base = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    for i in range(count):
        path = folder / f"class{i % 3}" / f"{i:04d}.jpg"
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        photo = base.rotate(i * 7)
        ImageDraw.Draw(photo).ellipse((400 + i, 300, 2400 + i, 2300), fill=(40 * (i % 6), 90, 200))
        photo.save(path, quality=85)


def main(count: int = 300, folder: str = "build/phone_photos") -> None:
    folder = Path(folder)
    make_photos(folder, count)
    for way in ("image_folder", "keep_all"):
        out = subprocess.run([sys.executable, "-c", LOAD, str(folder), way], capture_output=True,
                             text=True, check=True).stdout.split()
        print(json.dumps({"way": way, "photos": int(out[0]), "megapixels": 12,
                          "peak_rss_mb": int(out[1]), "seconds": float(out[2])}), flush=True)


if __name__ == "__main__":
    main(*(int(a) if a.isdigit() else a for a in sys.argv[1:]))
