"""Layers to maps: the folium map, its offline JavaScript/CSS, and exports.
"""
