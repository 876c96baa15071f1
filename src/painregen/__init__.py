"""painregen: an evidence engine for preclinical stem-cell analgesia and tissue-repair research."""

__version__ = "0.1.0"
