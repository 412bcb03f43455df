"""Claim Atlas geoparsing engine.

Data flows one way, one module per stage::

    corpus (articles) -> mentions -> resolve (places) -> claims -> store -> layers -> pages

Every stage is usable without Streamlit.
"""

__version__ = "0.1.0"
