"""On a phone the consultation filters wait behind «Filtros» (issue 16, point 4): the
button opens them, «Consultar» closes them so the results show first."""

from __future__ import annotations


def test_filtros_opens_and_consultar_closes(logged_in):
    browser = logged_in("admin.demo")
    for name in ("transactions", "movements"):
        grid = getattr(browser, name)
        grid.load()
        assert grid.filters_open is False
        grid.toggle_filters()
        assert grid.filters_open is True
        grid.apply_filters()
        assert grid.filters_open is False and grid.message == ""
