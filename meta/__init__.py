"""The OpenSlides data model as this project sees it, generated from ``models.yml``."""
