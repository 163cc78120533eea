"""Learning and reporting in the desktop app: the learning dashboard, the heatmap painter, the term
report's PDF writer and the menu actions that open them. Figures come from scheduler.reporting."""
