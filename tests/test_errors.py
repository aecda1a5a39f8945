"""One error hierarchy: every error newsarchive raises on purpose is a NewsarchiveError with its exit code,
caught in one place by the command line, and a broken template is named by file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import errors
from generator.commands import build as build_module
from generator.commands import cli
from generator.commands.build import build
from generator.config import parse_config
from generator.site.render import TEMPLATES_DIR
from tests.conftest import SEEDS


@pytest.mark.parametrize(("kind", "code"), [
    (errors.ConfigError, 2), (errors.WriteError, 2), (errors.SearchError, 2), (errors.TemplateError, 2),
    (errors.FetchError, 1),
])
def test_the_command_line_exits_with_each_kinds_code_and_its_message(kind, code, monkeypatch, capsys) -> None:
    def failing(*args, **kwargs):
        raise kind("what went wrong. Fix: what to do")

    monkeypatch.setattr(cli, "build", failing)
    assert cli.main(["build", "--input", str(SEEDS), "--quiet"]) == code
    assert capsys.readouterr().err.strip() == "error: what went wrong. Fix: what to do"


def test_every_error_raised_on_purpose_is_a_newsarchive_error() -> None:
    kinds = [value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, Exception)]
    assert len(kinds) >= 7 and all(issubclass(kind, errors.NewsarchiveError) for kind in kinds)
    from generator.models import Problem

    article = errors.ArticleError(Problem("a.txt", 3, "bad", "fix it"))
    assert article.exit_code == errors.EXIT_INPUT_ERRORS and article.problem.line == 3


@pytest.mark.parametrize(("broken", "line"), [
    ("{% if %}", 1),  # a syntax error
    ("ok\n{{ no_such_value.attribute }}", 2),  # an undefined name (StrictUndefined), found while rendering
])
def test_a_broken_template_is_named_with_its_line(tmp_path: Path, broken: str, line: int) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    (templates / "robots.txt").write_text(broken, encoding="utf-8")
    with pytest.raises(errors.TemplateError, match=rf"template robots\.txt, line {line} \(rendering robots\.txt\)"):
        build(SEEDS, tmp_path / "site", parse_config(""), templates_dir=templates)
    assert build_module  # the pipeline module the CLI calls
