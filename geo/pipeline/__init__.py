"""The ingestion pipeline: article -> mentions -> places -> claims -> store, in this process
or in worker processes; the same path for the CLI, the app and evaluation.
"""
