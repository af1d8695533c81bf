"""The console's pages, one module per page (not named ``pages``: Streamlit would treat
such a folder as its own multipage app)."""
