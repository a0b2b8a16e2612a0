"""X/Y grids: one or two parameters and their values give one labelled image.

`plan_grid` turns the axes into one input (and model) per cell; `compose_grid` draws the finished
cells into a single picture, with the parameter values along the top and the left side. A cell
that failed is drawn as a grey box holding its error, so the grid keeps its shape.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw, ImageFont

from playground.config import data_dir

from .session import GridRecord, Run, relative_name, resolve_name

if TYPE_CHECKING:
    from .runner import Runner

MODEL_AXIS = "ref"  # the axis that varies the model (its values are refs) instead of an input
CELL = 256  # longest side of a cell in the composed image, in pixels
PAD = 8
BG, FG, MISSING = (255, 255, 255), (20, 20, 20), (225, 225, 225)


@dataclass(frozen=True)
class Axis:
    name: str  # an input name, or MODEL_AXIS
    values: list[Any]
    label: str = ""  # what a person reads (`forms.grid_axis`: as the grid's dropdown offers it)

    @property
    def title(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    ref: str
    input: dict[str, Any]  # the shared inputs
    varied: dict[str, Any]  # the axis values: always sent, never cut to the schema


def parse_values(text: str) -> list[Any]:
    """`1, 2.5, true, modnet` -> [1, 2.5, True, "modnet"]: each value as JSON when it parses."""
    values: list[Any] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            values.append(json.loads(part))
        except json.JSONDecodeError:
            values.append(part)
    return values


def one_row(y: Axis) -> Axis:
    """Y as the grid uses it: no Y (no name, no values) is one row that varies nothing."""
    return Axis("", [None]) if not y.name and not y.values else y


def plan_grid(ref: str, inputs: dict[str, Any], x: Axis, y: Axis, *,
              max_cells: int = 16) -> list[Cell]:
    """One cell per (x value, y value), row by row; the model axis replaces `ref`. Without a
    Y (see `one_row`), one row: X alone varies."""
    y = one_row(y)
    if not x.name or not x.values:
        raise ValueError("Name the setting to vary across (X) and give it at least one value.")
    if y.name and not y.values:
        raise ValueError(f"Give at least one value for {y.title} (Y), or empty Y to vary "
                         f"{x.title} alone.")
    if y.values != [None] and not y.name:
        raise ValueError("Name the setting Y varies, or empty its values.")
    if x.name == y.name:
        raise ValueError("X and Y must vary different settings.")
    if len(x.values) * len(y.values) > max_cells:
        raise ValueError(f"A grid holds at most {max_cells} pictures: give fewer values.")
    cells = []
    for yi, yv in enumerate(y.values):
        for xi, xv in enumerate(x.values):
            cell_ref, varied = ref, {}
            for axis, value in ((x, xv), (y, yv)):
                if not axis.name:
                    continue
                if axis.name == MODEL_AXIS:
                    cell_ref = str(value)
                else:
                    varied[axis.name] = value
            cells.append(Cell(xi, yi, cell_ref, dict(inputs), varied))
    return cells


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (found in the system font folders) for its wide coverage; PIL's own
    default font when it is not installed."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _label(value: Any) -> str:
    if value is None:  # the one row of a grid without Y
        return ""
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 28 else text[:27] + "…"


def _fit(img: Image.Image, size: int) -> Image.Image:
    img = img.convert("RGBA")
    img.thumbnail((size, size), Image.Resampling.LANCZOS)
    # Cut-outs (background removal) are shown on white, as a viewer would.
    flat = Image.new("RGB", img.size, BG)
    flat.paste(img, mask=img.getchannel("A"))
    return flat


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(lines[-1] + " " + word, font=font) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:6]


def compose_grid(
    images: list[list[Image.Image | Path | str | None]],
    x: Axis,
    y: Axis,
    *,
    errors: dict[tuple[int, int], str] | None = None,
    cell: int = CELL,
) -> Image.Image:
    """`images[row][col]` (row = y value, col = x value) drawn under and beside their labels."""
    font, head = _font(14), _font(16)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    y = one_row(y)
    x_title, y_title = f"X: {x.title}", f"Y: {y.title}" if y.name else ""
    left = PAD * 2 + int(max(probe.textlength(_label(v), font=font) for v in y.values))
    left = max(left, int(probe.textlength(y_title, font=head)) + PAD * 2)
    top = 52
    width = left + len(x.values) * (cell + PAD) + PAD
    height = top + len(y.values) * (cell + PAD) + PAD
    out = Image.new("RGB", (width, height), BG)
    draw = ImageDraw.Draw(out)
    draw.text((left, PAD), x_title, fill=FG, font=head)
    draw.text((PAD, 30), y_title, fill=FG, font=head)
    for xi, value in enumerate(x.values):
        width_of = draw.textlength(_label(value), font=font)
        ox = left + xi * (cell + PAD) + max(0, int((cell - width_of) // 2))
        draw.text((ox, 32), _label(value), fill=FG, font=font)
    for yi, value in enumerate(y.values):
        oy = top + yi * (cell + PAD)
        draw.text((PAD, oy + cell // 2 - 8), _label(value), fill=FG, font=font)
        for xi in range(len(x.values)):
            ox = left + xi * (cell + PAD)
            source = images[yi][xi] if yi < len(images) and xi < len(images[yi]) else None
            if source is None:
                draw.rectangle((ox, oy, ox + cell - 1, oy + cell - 1), fill=MISSING)
                message = (errors or {}).get((xi, yi), "no image")
                for li, line in enumerate(_wrap(draw, message, font, cell - 2 * PAD)):
                    draw.text((ox + PAD, oy + PAD + li * 18), line, fill=FG, font=font)
                continue
            img = source if isinstance(source, Image.Image) else Image.open(source)
            fitted = _fit(img, cell)
            out.paste(fitted, (ox + (cell - fitted.width) // 2, oy + (cell - fitted.height) // 2))
    return out


async def run_grid(runner: Runner, ref: str, inputs: dict[str, Any], x: Axis, y: Axis, *,
                   token: str | None = None, base: Path | None = None) -> GridRecord:
    """Run every cell (capped by the runner), compose the grid and save it as a PNG."""
    y = one_row(y)
    cells = plan_grid(ref, inputs, x, y)
    jobs = [(Run(round=0, entry=c.y * len(x.values) + c.x, label=f"{c.x},{c.y}"), c.ref,
             c.input, c.varied) for c in cells]
    runs = await runner.run_cells(jobs, token=token)
    images: list[list[Any]] = [[None] * len(x.values) for _ in y.values]
    errors: dict[tuple[int, int], str] = {}
    for cell, run in zip(cells, runs, strict=True):
        picture = next((resolve_name(f, base) for f in run.files if _is_image(f)), None)
        if run.status == "succeeded" and picture is not None:
            images[cell.y][cell.x] = picture
        else:
            # errors may come worded in Markdown for the page; the picture wants plain text
            errors[(cell.x, cell.y)] = (run.error or f"{run.status}: no image").replace("**", "")
    composed = compose_grid(images, x, y, errors=errors)
    buffer = io.BytesIO()
    composed.save(buffer, format="PNG")
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()[:16]
    folder = (base or data_dir()) / "outputs" / "compare"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"grid-{digest}.png"
    path.write_bytes(buffer.getvalue())
    return GridRecord(ref=ref, x_name=x.name, x_values=list(x.values), y_name=y.name,
                      y_values=list(y.values), image=relative_name(path, base), runs=runs)


def _is_image(name: str) -> bool:
    return Path(name).suffix.lower() in {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}
