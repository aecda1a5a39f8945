"""The code fingerprint (generator.sourcecode): which modules key the article cache and the pages, and every
form of import it follows, into subpackages too."""

from __future__ import annotations

from generator.sourcecode import imported_modules


def test_the_article_cache_key_covers_the_article_work_and_not_the_rest() -> None:
    from generator.cache.store import ARTICLE_MODULES

    modules = imported_modules(ARTICLE_MODULES)
    assert {"article.reader", "article.cleaner", "article.enrich", "article.tags", "cache.codec", "models",
            "config"} <= modules
    assert not modules & {"site.render", "output.writer", "search.shards", "cache.gather", "cache.store",
                          "commands.build", "site.feeds", "archive.assemble", "archive.tagging"}


def test_page_fingerprints_cover_the_page_making_code_and_not_the_pipeline() -> None:
    """A change to how files are gathered, cached or written cannot change a page's bytes (those follow
    from the values, which are fingerprinted), so it must not re-render 200,000 pages either."""
    from generator.site.render import PAGE_MODULES

    modules = imported_modules(PAGE_MODULES, leave_out=("output.writer",))
    assert {"site.render", "site.feeds", "site.jsonfeed", "site.taxonomy", "search.shards", "archive.tagging",
            "site.i18n"} <= modules
    assert not modules & {"output.writer", "cache.gather", "cache.store", "commands.build", "archive.assemble",
                          "commands.cli", "cache.codec", "article.reader", "article.enrich"}


def test_every_form_of_import_of_a_package_module_counts(tmp_path, monkeypatch) -> None:
    """Lazy imports inside functions, names listed over several lines, `import generator.x`: a module
    missed here would leave its code out of the fingerprints, and pages stale after it changes."""
    from generator import sourcecode

    sources = {
        "root": "import os\nfrom generator.plain import thing\n\ndef late():\n    from generator import (\n"
                "        listed,  # a comment\n        other,\n    )\n    import generator.dotted as d\n",
        "plain": "from generator import __version__, single  # not_a_module\n",
        "listed": "", "other": "", "dotted": "", "single": "", "not_a_module": "", "unused": "",
    }
    for name, text in sources.items():
        (tmp_path / f"{name}.py").write_text(text, encoding="utf-8")
    monkeypatch.setattr(sourcecode, "PACKAGE", tmp_path)
    assert imported_modules(["root"]) == {"root", "plain", "listed", "other", "dotted", "single"}
    assert imported_modules(["root"], leave_out=["plain"]) == {"root", "listed", "other", "dotted"}


def test_imports_in_subpackages_count_dotted_relative_and_their_packages(tmp_path, monkeypatch) -> None:
    """Modules in subpackages: `from generator.a.b import`, `from . import`, `from ..c import`, `import generator.a.b`
    and a listed submodule all count, with the packages they are in (their __init__.py runs on import).
    Each module's file, and only the modules reached, are in the code fingerprint."""
    from generator import sourcecode

    files = {
        "__init__.py": "__version__ = '1'\n",
        "top.py": "from generator.site.render import page\nfrom generator import __version__\n",
        "site/__init__.py": "",
        "site/render.py": "from . import feeds\nfrom .taxonomy import listing\nfrom ..article import reader\n",
        "site/feeds.py": "import generator.article.words as words  # import generator.unused\n",
        "site/taxonomy.py": "from generator.article import (\n    cleaner,\n    helper_name,\n)\n",
        "article/__init__.py": "",
        "article/reader.py": "", "article/words.py": "", "article/cleaner.py": "",
        "article/unrelated.py": "", "unused.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(sourcecode, "PACKAGE", tmp_path)
    assert imported_modules(["top"]) == {
        "top", "", "site", "site.render", "site.feeds", "site.taxonomy", "article", "article.reader",
        "article.words", "article.cleaner"}
    assert sourcecode.module_name(tmp_path / "site" / "__init__.py") == "site"
    assert sourcecode.module_name(tmp_path / "article" / "reader.py") == "article.reader"
    assert sourcecode.module_file("site") == tmp_path / "site" / "__init__.py"

    def digest() -> str:
        sourcecode.code_fingerprint.cache_clear()
        return sourcecode.code_fingerprint(("top",), ())

    before = digest()
    (tmp_path / "article" / "unrelated.py").write_text("x = 1\n", encoding="utf-8")
    assert digest() == before  # a module nothing imports is left out
    (tmp_path / "article" / "words.py").write_text("x = 1\n", encoding="utf-8")
    assert digest() != before  # a module two packages away, imported with a dotted `import`, counts
    sourcecode.code_fingerprint.cache_clear()


def test_templates_in_the_package_are_left_to_the_sites_fingerprint(tmp_path, monkeypatch) -> None:
    """The built-in templates ship inside the package; a change to one re-renders pages (the site's fingerprint
    reads the templates folder) but must not throw away the article cache, keyed by the code."""
    from generator import sourcecode

    (tmp_path / "templates" / "static").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "root.py").write_text("", encoding="utf-8")
    (tmp_path / "data" / "words.txt").write_text("a\n", encoding="utf-8")
    (tmp_path / "templates" / "static" / "style.css").write_text("a {}", encoding="utf-8")
    monkeypatch.setattr(sourcecode, "PACKAGE", tmp_path)

    def digest() -> str:
        sourcecode.code_fingerprint.cache_clear()
        return sourcecode.code_fingerprint(("root",), ())

    before = digest()
    (tmp_path / "templates" / "static" / "style.css").write_text("b {}", encoding="utf-8")
    assert digest() == before
    (tmp_path / "data" / "words.txt").write_text("b\n", encoding="utf-8")
    assert digest() != before  # data files do count
    sourcecode.code_fingerprint.cache_clear()
