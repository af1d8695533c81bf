"""Tests of the Streamlit staff console against a real API."""
