"""The systematic-review workflow: search results in (intake), duplicates out (dedup), screening, extraction
and appraisal in duplicate, reconciliation and PRISMA. Sits beside :mod:`painregen.registry` and shares its
database (tables in :mod:`painregen.review.schema`). See docs/review.md."""
