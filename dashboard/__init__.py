"""Neighbourly's core: pure, typed, never imports streamlit (see ARCHITECTURE.md)."""
