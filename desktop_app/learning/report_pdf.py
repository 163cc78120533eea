"""The term report as an A4 PDF, written with Qt's own PDF writer (QPdfWriter).

Owns: laying out a `TermReport` (scheduler.reporting.report: figures already under disclosure control) as
HTML in a QTextDocument — one page of summary, then a page per section — with the heatmap painted by the
same painter as the dashboard and embedded as an image; and `render_pdf_offscreen`, which the `hubsched
report term --pdf` command uses: it starts a QGuiApplication on the offscreen platform if none is running.
Must not import: models, sqlalchemy.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from desktop_app.learning.heatmap import heatmap_size, paint_heatmap
from desktop_app.learning.trend import paint_trend, trend_height
from scheduler.reporting.report import Section, Table, TermReport

HEATMAP_URL = "report://heatmap.png"
TREND_URL = "report://trend.png"


def heatmap_image(report: TermReport, scale: float = 3.0) -> QImage:
    size = heatmap_size(report.heatmap)
    image = QImage(int(size.width() * scale), int(size.height() * scale), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(scale, scale)
    font = QFont()
    font.setPointSizeF(7)
    paint_heatmap(painter, report.heatmap, QColor("black"), font)
    painter.end()
    return image


def trend_image(report: TermReport, scale: float = 3.0) -> QImage:
    width, height = 560, trend_height(report.trend)
    image = QImage(int(width * scale), int(height * scale), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(scale, scale)
    font = QFont()
    font.setPointSizeF(7)
    painter.setFont(font)
    paint_trend(painter, report.trend, width, QColor("black"), QColor("#d9dee4"), QColor("#2c6fb7"))
    painter.end()
    return image


def _table(table: Table) -> str:
    wide = len(table.columns) > 8
    style = "font-size: 6.5pt;" if wide else "font-size: 9pt;"
    head = "".join(f"<th align='left'>{html.escape(str(c))}</th>" for c in table.columns)
    if table.rows:
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in table.rows)
    else:
        body = f"<tr><td colspan='{len(table.columns)}'><i>None.</i></td></tr>"
    note = f"<p style='font-size: 8pt;'><i>{html.escape(table.note)}</i></p>" if table.note else ""
    return (
        f"<h3>{html.escape(table.title)}</h3>"
        f"<table border='0.5' cellspacing='0' cellpadding='3' width='100%' style='{style} border-color: #888;'>"
        f"<thead><tr style='background-color: #dde3ea;'>{head}</tr></thead><tbody>{body}</tbody></table>{note}"
    )


def _section(section: Section, first: bool, image_width: float) -> str:
    style = "" if first else " style='page-break-before: always;'"
    parts = [f"<h1{style}>{html.escape(section.title)}</h1>"]
    parts += [f"<p>{html.escape(p)}</p>" for p in section.paragraphs]
    if section.key == "Heatmap":
        parts.append(f"<p><img src='{HEATMAP_URL}' width='{image_width:.0f}'></p>")
    if section.key == "Who uses":
        parts.append(f"<p><img src='{TREND_URL}' width='{image_width:.0f}'></p>")
    parts += [_table(t) for t in section.tables]
    return "".join(parts)


def report_html(report: TermReport, image_width: float = 480) -> str:
    scope = f"<p><b>Scope:</b> {html.escape(report.scope)}</p>"
    sections = "".join(_section(s, i == 0, image_width) for i, s in enumerate(report.sections))
    return (
        "<html><body style='font-family: sans-serif; font-size: 10pt;'>"
        f"<p style='font-size: 9pt; color: #444;'>Hubs Programme Board · Hub Scheduler term report</p>{scope}"
        f"{sections}</body></html>"
    )


def render_pdf(report: TermReport, path: Path) -> None:
    """Write the report to `path` as an A4 PDF. Needs a QGuiApplication."""
    writer = QPdfWriter(str(path))
    writer.setTitle(f"Term report: {report.term}")
    writer.setCreator("Hub Scheduler")
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(15, 15, 15, 15))
    )
    writer.setResolution(300)
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(HEATMAP_URL), heatmap_image(report))
    document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(TREND_URL), trend_image(report))
    document.setHtml(report_html(report))
    layout = writer.pageLayout()
    rect = layout.paintRectPoints()
    document.setPageSize(QSizeF(rect.width(), rect.height()))
    document.print_(writer)


def render_pdf_offscreen(report: TermReport, path: Path) -> None:
    """`render_pdf` from the command line: a QGuiApplication on the offscreen platform if none is running."""
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])  # noqa: F841 - kept alive for the duration of the rendering
        render_pdf(report, path)
        return
    render_pdf(report, path)
