"""Small Cog predictors the tests write into their own folders (`--cog DIR`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

PREDICTORS = {
    "texter": '''
        from typing import Optional
        from cog import BasePredictor, Input, Secret

        class Predictor(BasePredictor):
            def setup(self):
                print("setup: loading the texter")

            def predict(self, text: str = Input(description="what to shout", default="hello"),
                        times: int = Input(default=1, ge=1, le=5),
                        api_key: Optional[Secret] = Input(default=None, description="a key")
                        ) -> str:
                print(f"shouting {text!r}")
                if api_key is not None:
                    print(f"the key is {api_key.get_secret_value()}")
                if text == "fail":
                    raise ValueError("asked to fail")
                return " ".join([text.upper()] * times)
    ''',
    "streamer": '''
        import time
        from cog import BasePredictor, ConcatenateIterator, Input

        class Predictor(BasePredictor):
            def predict(self, n: int = Input(default=3, ge=1, le=1000),
                        delay: float = 0.0) -> ConcatenateIterator[str]:
                for i in range(n):
                    print(f"token {i}")
                    time.sleep(delay)
                    yield f"tok{i} "
    ''',
    "painter": '''
        import tempfile
        from typing import Optional
        from cog import BasePredictor, Input, Path
        from PIL import Image

        class Predictor(BasePredictor):
            def predict(self, color: str = Input(default="red", choices=["red", "blue"]),
                        size: int = 8,
                        image: Optional[Path] = Input(default=None, description="an image")
                        ) -> Path:
                if image is not None:
                    size = Image.open(image).width
                out = Path(tempfile.mkdtemp()) / "out.png"
                Image.new("RGB", (size, size), color).save(out)
                return out
    ''',
    "broken": '''
        from cog import BasePredictor

        class Predictor(BasePredictor):
            def setup(self):
                print("loading weights")
                raise RuntimeError("weights.bin is missing")

            def predict(self, text: str = "x") -> str:
                return text
    ''',
    "reloader": '''
        from cog import BasePredictor

        class Predictor(BasePredictor):
            def predict(self, text: str = "x") -> str:
                return text.upper()
    ''',
    "unimportable": '''
        import not_a_module_here
        from cog import BasePredictor
    ''',
}

# An author's own picture model, to compare with a published one: its red is the seed and its
# green the prompt's length (not in PREDICTORS: only the tests beside Replicate start it).
SEEDED = '''
    import tempfile
    from typing import Optional
    from cog import BasePredictor, Input, Path
    from PIL import Image

    class Predictor(BasePredictor):
        def predict(self, prompt: str = Input(default="a corgi", description="what to paint"),
                    seed: Optional[int] = Input(default=None),
                    image: Optional[Path] = Input(default=None)) -> Path:
            print(f"Using seed: {seed}")
            side = Image.open(image).width if image is not None else 16
            out = Path(tempfile.mkdtemp()) / "out.png"
            Image.new("RGB", (side, side), ((seed or 0) % 256, len(prompt) % 256, 0)).save(out)
            return out
'''


def write_predictor(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "predict.py").write_text(textwrap.dedent(source))
    return folder
