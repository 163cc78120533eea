"""The custom-painted calendar grid: `layout` (pure geometry and hit-testing), `painter` (drawing) and
`view` (the widget: scrolling, keyboard and mouse)."""
