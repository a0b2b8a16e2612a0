"""The engine's local models. `registry()` gives a fresh instance of each."""

from __future__ import annotations

from .base import EngineModel
from .face_enhance import FaceEnhance
from .real_esrgan import RealESRGAN
from .rembg import Rembg
from .sd_turbo import SDTurbo
from .smollm2 import SmolLM2
from .whisper import WhisperTinyEn

MODELS: tuple[type[EngineModel], ...] = (
    SmolLM2,
    WhisperTinyEn,
    RealESRGAN,
    Rembg,
    FaceEnhance,
    SDTurbo,
)


def registry() -> list[EngineModel]:
    """One new instance of every local model (each holds its own loaded weights)."""
    return [cls() for cls in MODELS]
