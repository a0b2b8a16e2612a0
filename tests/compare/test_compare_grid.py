"""X/Y grid planning and composition (PIL, real fonts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from playground.compare import Axis, compose_grid, parse_values, plan_grid


def test_parse_values() -> None:
    assert parse_values("1, 2.5, true, modnet, ,\"x y\"") == [1, 2.5, True, "modnet", "x y"]


def test_plan_grid_rows_and_model_axis() -> None:
    cells = plan_grid("a/b", {"image": "i", "scale": 4}, Axis("scale", [2, 4]),
                      Axis("ref", ["a/b", "c/d"]))
    assert [(c.x, c.y, c.ref, c.varied) for c in cells] == [
        (0, 0, "a/b", {"scale": 2}), (1, 0, "a/b", {"scale": 4}),
        (0, 1, "c/d", {"scale": 2}), (1, 1, "c/d", {"scale": 4})]
    assert all(c.input == {"image": "i", "scale": 4} for c in cells)


@pytest.mark.parametrize(("x", "y"), [
    (Axis("a", []), Axis("b", [1])),
    (Axis("a", [1]), Axis("a", [2])),
    (Axis("a", list(range(5))), Axis("b", list(range(4)))),
])
def test_plan_grid_refuses(x: Axis, y: Axis) -> None:
    with pytest.raises(ValueError):
        plan_grid("a/b", {}, x, y)


def test_compose_grid_places_cells_and_labels(tmp_path: Path) -> None:
    red = Image.new("RGB", (64, 32), (255, 0, 0))
    blue_path = tmp_path / "blue.png"
    Image.new("RGBA", (100, 100), (0, 0, 255, 255)).save(blue_path)
    x, y = Axis("scale", [2, 4]), Axis("model", ["modnet", "u2netp"])
    grid = compose_grid([[red, blue_path], [None, red]], x, y, errors={(0, 1): "boom"}, cell=100)
    assert grid.mode == "RGB"
    # two columns and rows of 100 px cells plus labels and padding
    assert grid.width >= 2 * 100 + 16 and grid.height >= 2 * 100 + 52
    pixels = grid.load()
    colours = {pixels[i, j] for i in range(grid.width) for j in range(grid.height)}
    assert (255, 0, 0) in colours and (0, 0, 255) in colours
    assert (225, 225, 225) in colours  # the failed cell is drawn, not skipped
    dark = sum(1 for c in colours if sum(c) < 150)
    assert dark > 0  # label text was drawn


def test_a_grid_varies_one_setting_alone() -> None:
    """No Y (no name, no values): one row, X alone varies (issue 10 point 4)."""
    cells = plan_grid("local/rembg", {"seed": 1}, Axis("model", ["modnet", "u2netp"]),
                 Axis("", []))
    assert [(c.x, c.y, c.varied) for c in cells] == [(0, 0, {"model": "modnet"}),
                                                     (1, 0, {"model": "u2netp"})]
    picture = compose_grid([[None, None]], Axis("model", ["modnet", "u2netp"]), Axis("", []))
    assert picture.width > picture.height * 1.5  # one row of two
    with pytest.raises(ValueError, match="Give at least one value for seed"):
        plan_grid("local/rembg", {}, Axis("model", ["a"]), Axis("seed", []))
