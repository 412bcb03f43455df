"""The spaCy pipeline, loaded once per process (``load``), and its speedups (``accel``).
"""
