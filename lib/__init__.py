"""Workbench engine: plain Python, no Streamlit import."""
