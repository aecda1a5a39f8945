"""Manifests: what a complete site generation holds (every file's fingerprint, every group's) ↔ bytes.

The writer keeps one manifest file per generation, present only while the generation is
complete. Written as marshal data after a magic line (a 200,000-file manifest loads in a fifth
of the time its text lines took); the text format of earlier versions is still read.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field

MANIFEST_MAGIC = b"newsarchive manifest 2\n"  # first bytes of a manifest; marshal data follow
LEGACY_MANIFEST_END = "# complete\n"  # the last line of a text manifest (versions before 2026-11)


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a complete generation holds."""

    files: dict[str, str]  # site-relative path → fingerprint, for every file (in path order when read)
    groups: dict[str, str] = field(default_factory=dict)  # folder ("…/") → fingerprint of its PlannedGroup


def encode_manifest(manifest: Manifest) -> bytes:
    """A Manifest → the bytes of its file: the magic line, the length of the data, the data (files in path order)."""
    body = marshal.dumps((dict(sorted(manifest.files.items())), manifest.groups))
    return MANIFEST_MAGIC + len(body).to_bytes(8, "big") + body


def decode_manifest(data: bytes) -> Manifest | None:
    """The bytes of a manifest file → its Manifest, or None when they are not a whole manifest."""
    if not data.startswith(MANIFEST_MAGIC):
        return _decode_text_manifest(data)
    start = len(MANIFEST_MAGIC) + 8
    if int.from_bytes(data[len(MANIFEST_MAGIC):start], "big") != len(data) - start:
        return None  # cut short, or followed by other bytes
    try:
        files, groups = marshal.loads(data[start:])
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(files, dict) or not isinstance(groups, dict):
        return None
    return Manifest(files, groups)


def _decode_text_manifest(data: bytes) -> Manifest | None:
    """A manifest in the text format of earlier versions → its Manifest, None when incomplete."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.endswith("\n" + LEGACY_MANIFEST_END) and text != LEGACY_MANIFEST_END:
        return None  # no end line: the build that wrote it was killed
    files: dict[str, str] = {}
    groups: dict[str, str] = {}
    # Only "\n" ends a line: paths may hold other line separators.
    for line in text[: -len(LEGACY_MANIFEST_END)].split("\n")[:-1]:
        fingerprint, _, path = line.partition("\t")
        # A file's path never ends in "/" (check_relative_path), a group's folder always does.
        (groups if path.endswith("/") else files)[path] = fingerprint
    return Manifest(files, groups)
