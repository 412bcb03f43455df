"""Mentions to places: recognise place names (``recognize``), tell metonymy (``metonymy``),
weigh the article's countries (``countries``) and resolve each name in context (``resolve``).
"""
