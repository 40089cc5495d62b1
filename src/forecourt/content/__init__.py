"""Content: pages with named Markdown blocks served by the Live Portal, and the menus' items
(docs/themes.md, "Pages and menus")."""
