"""The hub calendar window and its parts: `window` (MainWindow), `navigation` (date, mode and scope),
`workflows` (the controller between the view and the services), `details` (the Details pane's text),
`search` (Ctrl+K), and `view/` (the custom-painted grid). Nothing here owns a business rule."""
