"""Store rows to map layers: GeoDataFrames of places and claims, reference layers, the view
state of a shared link and the one filter implementation every page uses.
"""
