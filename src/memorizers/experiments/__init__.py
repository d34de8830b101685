"""Reproductions of the papers' claims, one module per paper: each writes a table and figures."""
