"""The SQLite store of articles, mentions, places, claims and analysts' corrections.
"""
