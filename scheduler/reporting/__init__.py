"""Learning and reporting figures: pure computations over plain dataclasses.

Owns: what the learning dashboard and the term report show — utilisation heatmap, who uses the hubs,
who is missing, right-sizing, review flags, suggested sizes — and the disclosure control that makes a
report fit to publish. Dataclasses in, figures out: no database, no Qt (an import-linter contract says so),
so every figure is unit-tested on a small hand-made borough.
Must not import: models, sqlalchemy, scheduler.services, desktop_app, PySide6.
"""
