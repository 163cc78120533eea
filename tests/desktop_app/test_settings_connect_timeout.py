"""Settings ▸ Connect timeout: the seconds to wait for a database server are a field of the Settings dialog;
the value is stored in the app's settings when saved, and a connection tried from the dialog waits that long."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.desktop_app.test_connecting import silent_server  # noqa: F401 (a fixture)


def test_the_connect_timeout_is_a_field_that_is_stored_and_used(qtbot, window, settings, silent_server) -> None:  # noqa: F811
    settings.connect_timeout = 9
    dialog = window.open_settings()
    field = dialog.connect_timeout
    assert field.value() == 9, "the field shows the stored timeout"
    assert field.minimum() == 1 and field.maximum() == 120
    assert field.isVisibleTo(dialog) and field.accessibleName() == "Connect timeout (seconds)"

    # Used: a server that accepts the connection but never answers is given up on after the field's seconds.
    field.setValue(2)
    original = dialog.url.text()
    dialog.url.setText(f"postgresql://nobody@127.0.0.1:{silent_server}/hubs")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "did not answer within 2 seconds" in dialog.status.text()
    assert settings.connect_timeout == 9, "nothing is stored before Save"

    # Stored: Save keeps it in the settings (the app reads it for every later connect).
    dialog.url.setText(original)
    dialog.accept()
    assert settings.connect_timeout == 2
    settings.qsettings.sync()
    assert float(settings.qsettings.value("database/connect_timeout")) == 2
    assert window.open_settings().connect_timeout.value() == 2


def test_cancel_leaves_the_stored_timeout_alone(qtbot, window, settings) -> None:
    dialog = window.open_settings()
    assert dialog.connect_timeout.value() == 5, "5 seconds unless changed"
    dialog.connect_timeout.setValue(30)
    dialog.reject()
    assert settings.connect_timeout == 5
