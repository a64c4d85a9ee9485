"""Figures (matplotlib, one consistent colour-blind-safe style) and self-contained HTML reports."""
