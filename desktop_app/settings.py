"""AppSettings: what the app remembers between runs (database, time grid, default hub, layout, view).

Owns: typed access to one QSettings object. The composition root makes the QSettings; tests give each
test its own INI file so they never share state.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QSettings


@dataclass(frozen=True)
class TimeGrid:
    """The hours the calendar shows and the step that drags and the keyboard snap to."""

    day_start: int = 8
    day_end: int = 21
    slot_min: int = 30


class AppSettings:
    def __init__(self, settings: QSettings):
        self.qsettings = settings

    def _get(self, key: str, default, kind=str):
        if not self.qsettings.contains(key):
            return default
        value = self.qsettings.value(key, default)
        try:
            return kind(value) if value is not None else default
        except (TypeError, ValueError):
            return default

    @property
    def database_url(self) -> str:
        return self._get("database/url", "")

    @database_url.setter
    def database_url(self, url: str) -> None:
        self.qsettings.setValue("database/url", url)

    @property
    def connect_timeout(self) -> float:
        """Seconds to wait for a database server before saying it does not answer (default 5)."""
        value = self._get("database/connect_timeout", 5.0, float)
        return value if 1.0 <= value <= 120.0 else 5.0

    @connect_timeout.setter
    def connect_timeout(self, seconds: float) -> None:
        self.qsettings.setValue("database/connect_timeout", seconds)

    @property
    def time_grid(self) -> TimeGrid:
        grid = TimeGrid(
            self._get("grid/day_start", 8, int), self._get("grid/day_end", 21, int), self._get("grid/slot_min", 30, int)
        )
        if not 0 <= grid.day_start < grid.day_end <= 24 or grid.slot_min not in (15, 30, 60):
            return TimeGrid()
        return grid

    @time_grid.setter
    def time_grid(self, grid: TimeGrid) -> None:
        self.qsettings.setValue("grid/day_start", grid.day_start)
        self.qsettings.setValue("grid/day_end", grid.day_end)
        self.qsettings.setValue("grid/slot_min", grid.slot_min)

    @property
    def default_hub(self) -> str:
        return self._get("view/default_hub", "")

    @default_hub.setter
    def default_hub(self, name: str) -> None:
        self.qsettings.setValue("view/default_hub", name)

    def view_state(self) -> dict[str, object]:
        return {
            "mode": self._get("view/mode", "day"),
            "scope": self._get("view/scope", ""),
            "room_id": self._get("view/room_id", 0, int),
            "zoom": self._get("view/zoom", 1.2, float),
        }

    def save_view_state(self, mode: str, scope: str, room_id: int, zoom: float) -> None:
        for key, value in (("mode", mode), ("scope", scope), ("room_id", room_id), ("zoom", zoom)):
            self.qsettings.setValue(f"view/{key}", value)

    def window_layout(self) -> tuple[QByteArray | None, QByteArray | None]:
        if not self.qsettings.contains("window/geometry"):  # a missing key would come back as None: see main_window.ALL
            return None, None
        geometry, state = self.qsettings.value("window/geometry"), self.qsettings.value("window/state")
        return (
            geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None,
        )

    def save_window_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)
        self.qsettings.sync()
