"""The web workbench (``painregen serve``): upload and validate files, browse the registry, edit appraisal
answers, run meta- and dose-response analyses, download the report. Build it with
:func:`painregen.web.app.create_app`. See docs/web.md."""
