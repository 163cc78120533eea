"""The term report's sections on the hand-made borough: disclosure control, and the XLSX read back."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from scheduler.reporting.report import build_report
from scheduler.reporting.xlsx import write_xlsx
from tests.scheduler.reporting.borough import borough

SECTIONS = ["Summary", "Heatmap", "Who uses", "Who is missing", "Right-sizing", "For review", "Closures", "Method"]


def all_text(report) -> str:
    parts = []
    for section in report.sections:
        parts += [section.title, *section.paragraphs]
        for table in section.tables:
            parts += [table.title, table.note, *(str(v) for row in table.rows for v in row)]
    return "\n".join(parts)


def rows(report, section: str, table: str) -> dict[str, tuple]:
    found = next(t for t in report.section(section).tables if t.title == table)
    return {row[0]: row for row in found.rows}


def test_report_has_every_section_in_order() -> None:
    assert [s.key for s in build_report(borough()).sections] == SECTIONS


def test_private_and_generic_sessions_are_counted_but_never_named() -> None:
    report = build_report(borough())
    text = all_text(report)
    assert "Debt advice" not in text and "Job club" not in text  # private and generic titles
    figures = rows(report, "Summary", "The term in figures")
    assert figures["Sessions"][1] == 13  # their sessions are in the totals
    assert figures["Private or generic sessions (counted, not named)"][1] == 6
    flagged = next(t for t in report.section("For review").tables)
    # the only flagged series is the private debt advice: left out of the list, and said so
    assert flagged.rows == () and flagged.note == "<5 private or generic series counted but not named."


def test_counts_under_five_for_an_organisation_are_shown_as_under_five() -> None:
    organisations = rows(build_report(borough()), "Who uses", "Per organisation")
    # pantry: 4 sessions (<5), 4 held (<5), 80 people; job club's organisation: 2 sessions, 3 + 2 = 5 people
    assert organisations["Ilford Food Pantry"][2:] == ("<5", 8.0, "<5", 80)
    assert organisations["Redbridge Employment"][2:] == ("<5", 3.0, "<5", 5)
    # none held is a zero, not a small count
    assert organisations["Citizens Advice Redbridge"][4:] == (0, 0)
    stopped = rows(build_report(borough()), "Who is missing", "Organisations that stopped coming")
    assert stopped["Old Choir"][3:] == ("<5", 14)
    # sector rows are totals, shown in full
    sectors = rows(build_report(borough()), "Who uses", "Per sector")
    assert sectors["Council services"][1] == 2


def test_without_disclosure_control_the_hub_team_sees_names_and_small_counts() -> None:
    report = build_report(borough(), disclosure=False)
    assert "Debt advice" in all_text(report)
    assert rows(report, "Who uses", "Per organisation")["Ilford Food Pantry"][2] == 4
    assert "Disclosure control is off" in all_text(report)


def test_method_notes_explain_utilisation_met_and_disclosure() -> None:
    method = build_report(borough()).section("Method").paragraphs
    assert any(p.startswith("Utilisation: booked hours over open hours") for p in method)
    assert any(p.startswith("Met: a request is met when") for p in method)
    assert any("shown as <5" in p and "never named" in p for p in method)


def test_closures_and_right_sizing_rows() -> None:
    report = build_report(borough())
    assert rows(report, "Closures", "Closures")["Hainault Hub"][1:] == (
        "2027-01-26",
        "2027-01-26",
        "Boiler repair",
        1,
        2,
    )
    sizing = rows(report, "Right-sizing", "Sessions and their rooms")
    assert sizing["Food pantry"][3:] == (100, 20, 30, "room too big", "Studio (40)")


def test_xlsx_has_one_sheet_per_section_with_the_same_figures(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    report = build_report(borough())
    write_xlsx(report, path)
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == SECTIONS
    summary = [row for row in workbook["Summary"].iter_rows(values_only=True)]
    assert ("Sessions", 13) in [tuple(r[:2]) for r in summary]
    organisations = [tuple(r) for r in workbook["Who uses"].iter_rows(values_only=True)]
    assert ("Ilford Food Pantry", "Resident-led groups", "<5", 8, "<5", 80) in [r[:6] for r in organisations]
    assert not any("Debt advice" in str(v) for sheet in workbook for r in sheet.iter_rows(values_only=True) for v in r)
    workbook.close()
