"""The teacher's app in the browser (chapter 6): static files only, served by nginx."""
