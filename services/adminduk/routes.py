"""The adminduk blueprint with every sub-feature's views on it, registered in this order (one OpenAPI tag)."""

from __future__ import annotations

from services.adminduk.births import routes as births
from services.adminduk.blueprint import blp
from services.adminduk.corrections import routes as corrections
from services.adminduk.deaths import routes as deaths
from services.adminduk.my_documents import routes as my_documents
from services.adminduk.reviews import routes as reviews

FEATURES = (births, reviews, my_documents, corrections, deaths)
"""The modules whose views are on `blp` (imported for that; listed so the order is stated once)."""

__all__ = ["FEATURES", "blp"]
