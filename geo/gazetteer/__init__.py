"""The offline gazetteer: built from GeoNames and the reference layers (``build``), queried
through an indexed SQLite file (``index``), memoised per article (``memo``) and exposed as
geopy geocoders (``geocoders``).
"""
