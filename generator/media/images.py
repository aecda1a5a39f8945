"""Downloaded bytes → verified raster image → resized, re-encoded variants (Pillow).

Every image is decoded in full (a file that only starts like an image is refused) and encoded again,
so what is stored holds pixels and a colour profile, nothing else: no metadata (EXIF, GPS), no
trailing bytes, no markup. SVG is refused (it is a document that may hold script), and so is any
format but the raster ones browsers show; Pillow only tries those decoders (never Ghostscript's EPS).
An image larger than max_pixels (width × height × frames) is refused before it is decoded.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from generator.errors import FetchError

# Decoders tried, by Pillow's names: what browsers show (JPEG's opens a phone's MPO too).
RASTER_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "AVIF")
WEBP_MAX_SIDE = 16383  # libwebp's limit; a taller image (a long infographic) is stored as JPEG
MAX_FRAMES = 1000  # frames of an animation kept at most


class ImageRefused(FetchError):
    """Downloaded bytes that are not an image to keep; the message says what they are instead."""


@dataclass(frozen=True, slots=True)
class Variant:
    """One encoded size of an image, as it is stored and served."""

    data: bytes  # the encoded file
    width: int  # pixels
    height: int  # pixels
    extension: str  # "webp" or "jpg"

    @property
    def name(self) -> str:
        """The file's name: a digest of its bytes, so a name never changes its content."""
        return f"{hashlib.blake2b(self.data, digest_size=16).hexdigest()}.{self.extension}"


@dataclass(frozen=True, slots=True)
class Encoded:
    """A verified image and its variants."""

    source_format: str  # what the server sent, as Pillow names it ("JPEG", "PNG", …)
    width: int  # the original's width, pixels
    height: int  # the original's height, pixels
    variants: tuple[Variant, ...]  # widest first; one when the image is no wider than the smaller size


def looks_like_markup(data: bytes) -> str:
    """The first bytes of a download → what markup they are ('SVG', 'HTML or XML'), '' when none."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head.startswith(b"<"):
        return ""
    return "SVG" if b"<svg" in data[:8192].lower() else "HTML or XML"


def _widths(width: int, max_width: int, small_width: int) -> list[int]:
    """The original's width + the configured sizes → the widths of its variants, widest first."""
    widths = [min(width, max_width)]
    if small_width and small_width < widths[0]:
        widths.append(small_width)
    return widths


def _resized(frame: Image.Image, width: int) -> Image.Image:
    """A frame → that width, the height in proportion (the frame itself when it has that width)."""
    if frame.width == width:
        return frame
    height = max(1, round(frame.height * width / frame.width))
    return frame.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _flat(frame: Image.Image, keep_alpha: bool) -> Image.Image:
    """A decoded frame → RGB, or RGBA when it has transparency and the encoder keeps it."""
    has_alpha = frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info)
    if not has_alpha:
        return frame.convert("RGB")
    rgba = frame.convert("RGBA")
    if keep_alpha:
        return rgba
    white = Image.new("RGB", rgba.size, (255, 255, 255))  # JPEG has no transparency: on white, as pages show it
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white


def _encode(
    frames: list[Image.Image], durations: list[int], loop: int, fmt: str, quality: int, icc: bytes | None
) -> tuple[bytes, str]:
    """Frames (one, or an animation) → (encoded bytes, extension)."""
    first = frames[0]
    if fmt == "webp" and max(first.size) > WEBP_MAX_SIDE:
        fmt, frames = "jpeg", frames[:1]
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "webp":
        if len(frames) > 1:
            first.save(
                out,
                "WEBP",
                quality=quality,
                method=4,
                save_all=True,
                append_images=frames[1:],
                duration=durations,
                loop=loop,
                **extra,
            )
        else:
            first.save(out, "WEBP", quality=quality, method=4, **extra)
        return out.getvalue(), "webp"
    first.save(out, "JPEG", quality=quality, optimize=True, progressive=True, **extra)
    return out.getvalue(), "jpg"


def encode_image(
    data: bytes,
    max_width: int = 1600,
    small_width: int = 640,
    fmt: str = "webp",
    quality: int = 80,
    max_pixels: int = 50_000_000,
) -> Encoded:
    """Downloaded bytes + the [media] sizes → the verified image's variants; ImageRefused when they are not
    a raster image, are damaged, or hold more than max_pixels."""
    markup = looks_like_markup(data)
    if markup == "SVG":
        raise ImageRefused("an SVG image (a document that may hold script); only raster images are kept")
    if markup:
        raise ImageRefused("an HTML or XML page, not an image (the server may have answered with an error page)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=RASTER_FORMATS)
    except UnidentifiedImageError:
        raise ImageRefused("not an image (none of JPEG, PNG, GIF, WebP, BMP, TIFF, AVIF)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("an image of more pixels than media.max_pixels allows (a decompression bomb?)") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageRefused(f"a damaged image ({exc})") from None
    with image:
        width, height = image.size
        frame_count = min(getattr(image, "n_frames", 1), MAX_FRAMES)
        if width * height * frame_count > max_pixels:
            raise ImageRefused(
                f"{width}×{height} pixels × {frame_count} frame(s) is more than media.max_pixels "
                f"({max_pixels:,}) allows"
            )
        keep_alpha = fmt == "webp"
        try:
            if frame_count > 1 and fmt == "webp":
                frames, durations = [], []
                for frame in ImageSequence.Iterator(image):
                    if len(frames) == frame_count:
                        break
                    frames.append(_flat(frame, keep_alpha))
                    durations.append(int(frame.info.get("duration", 100) or 100))
                loop = int(image.info.get("loop", 0))
            else:
                image.load()
                frames, durations, loop = [_flat(ImageOps.exif_transpose(image), keep_alpha)], [0], 0
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            raise ImageRefused(f"a damaged image that cannot be decoded ({exc})") from None
        icc = image.info.get("icc_profile") or None
        source_format = image.format or "?"
    width, height = frames[0].size  # after turning it upright
    variants = []
    for target in _widths(width, max_width, small_width):
        resized = [_resized(frame, target) for frame in frames]
        encoded, extension = _encode(resized, durations, loop, fmt, quality, icc)
        variants.append(Variant(encoded, resized[0].width, resized[0].height, extension))
    return Encoded(source_format, width, height, tuple(variants))
