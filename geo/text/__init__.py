"""Articles in: reading corpus folders and files, HTML, language identification, name folding.
"""
