"""Claim Atlas served with one addition: ``streamlit run serve.py``. The app is ``app.py`` as it is; ``serve.py`` adds an ASGI middleware that tells
Streamlit's frontend where the server is (geo/serving.py), so opening a page's own address
(``/map``, ``/overview``) logs no 404. ``streamlit run app.py`` still works, with those 404s.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from geo.serving import BackendBaseUrl

app = st.App("app.py", middleware=[Middleware(BackendBaseUrl)])
