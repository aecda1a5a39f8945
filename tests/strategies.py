"""Hypothesis strategies the tests share."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st


def nested_html(tags: st.SearchStrategy[str], attributes: st.SearchStrategy[str], texts: st.SearchStrategy[str], *,
                most_parts: int, most_depth: int, closings: Callable[[str], list[str]]) -> st.SearchStrategy[str]:
    """Pieces of markup + how many parts a level has and how deep it nests + the ways an element may
    end (its end tag, none, a broken one) → random nested HTML made of those pieces."""

    @st.composite
    def fragment(draw: st.DrawFn, depth: int = 0) -> str:
        parts = []
        for _ in range(draw(st.integers(0, most_parts))):
            if depth < most_depth and draw(st.booleans()):
                tag = draw(tags)
                inner = draw(fragment(depth + 1))
                parts.append(f"<{tag}{draw(attributes)}>{inner}" + draw(st.sampled_from(closings(tag))))
            else:
                parts.append(draw(texts))
        return "".join(parts)

    return fragment()
