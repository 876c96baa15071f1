"""The evidence report: one self-contained HTML file (figures inline as SVG) with every figure also written as
SVG, PNG and PDF under ``figures/`` and every long table as a CSV file beside it. See docs/report.md.

    from painregen.report.build import write_report
    write_report(dataset, Path("out/report.html"), measure="SMD", method="REML")

``pipeline.run_analysis`` runs the shared analyses once (also used by the web workbench); each module of
``sections`` builds one section (context + figures + CSV + methods sentences) rendered by its partial template.
"""
