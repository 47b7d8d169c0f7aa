"""Cross-cutting HTTP glue: sessions, security headers, htmx helpers, errors, template helpers."""
