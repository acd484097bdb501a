"""Renderers: rich tables for people (`table`), stable formats for machines (`machine`)."""
