"""Places to claims: attributed statements (``extract``), their speakers (``speakers``),
claimants through the actor registry (``actors``) and dates (``dates``).
"""
