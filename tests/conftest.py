"""Shared fixtures: the seed archive, a config for tests, and a built seed site."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.build import BuildResult, build
from generator.config import Config, parse_config

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "seeds"
# A sub-path base URL, so tests show the site works away from the host's root.
TEST_CONFIG_TOML = 'base_url = "https://archive.example.org/news/"\ntitle = "测试存档"\n'


@pytest.fixture
def config() -> Config:
    """The config the site tests build with."""
    return parse_config(TEST_CONFIG_TOML)


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A writable copy of seeds/."""
    target = tmp_path / "archive"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """The seed archive built once for the whole session: (site folder, build result)."""
    out = tmp_path_factory.mktemp("seed-site") / "site"
    return out, build(SEEDS, out, parse_config(TEST_CONFIG_TOML))
