"""Open311 GeoReport v2 at /open311/v2/ (routes.py), in its wire formats (formats.py), mapped onto complaints (georeport.py)."""
