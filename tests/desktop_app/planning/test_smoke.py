from __future__ import annotations


def test_window_opens_on_the_demo_term(planning) -> None:
    assert planning.requests.model.rowCount() == 40
