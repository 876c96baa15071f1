"""Workbench views: each module builds one context dict per page and serves it as JSON and as HTML."""

from painregen.web.views import (
    account,
    analysis,
    appraisal,
    dose,
    downloads,
    home,
    identity,
    jobs,
    ledger,
    mapping,
    review,
    review_extraction,
    review_screening,
    review_search,
    studies,
    upload,
)

ROUTERS = (home.router, upload.router, studies.router, mapping.router, appraisal.router, analysis.router,
           ledger.router, dose.router, downloads.router, jobs.router, identity.router, review.router,
           review_search.router, review_screening.router, review_extraction.router, account.router)

__all__ = ["ROUTERS"]
