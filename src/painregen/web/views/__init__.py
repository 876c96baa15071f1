"""Workbench views: each module builds one context dict per page and serves it as JSON and as HTML."""

from painregen.web.views import analysis, appraisal, dose, downloads, home, studies, upload

ROUTERS = (home.router, upload.router, studies.router, appraisal.router, analysis.router, dose.router,
           downloads.router)

__all__ = ["ROUTERS"]
