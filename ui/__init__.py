"""Streamlit helpers shared by the pages: they take and return lib's dataclasses."""
