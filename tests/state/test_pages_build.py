"""Every page builds its component tree: a wrong prop fails here in a second, not when the
browser tests' server compiles the app."""

from __future__ import annotations

import pytest

from occireflex.components.routing import marked_pages
from occireflex.occireflex import PAGE_MODULES

PAGES = marked_pages(PAGE_MODULES)


def test_every_page_module_marks_pages():
    assert len(PAGES) >= 30


@pytest.mark.parametrize("render, spec", PAGES, ids=[spec["route"] for _, spec in PAGES])
def test_the_page_builds(render, spec):
    assert render() is not None
