"""What to characterise and report about the product, by product kind (painregen's own checklist).

MSC-like cells follow the minimal criteria proposed by the ISCT (Dominici et al. 2006, Cytotherapy 8:315);
vesicle products follow the spirit of the ISEV minimal information guidelines (MISEV2018: Thery et al. 2018,
J Extracell Vesicles 7:1535750; MISEV2023: Welsh et al. 2024, J Extracell Vesicles 13:e12404). The review
(sections 4.1 and 5.2) adds that culture supplements, culture system and passage change the cells and that
secretomes deserve unbiased profiling; those points are folded in below. Wording is painregen's.
"""

from __future__ import annotations

from painregen.evidence.vocab import get_vocabulary

__all__ = ["COMMON_CELL_ITEMS", "characterisation"]

#: Reported for every cell product, whatever its kind.
COMMON_CELL_ITEMS: tuple[str, ...] = (
    "tissue source and donor (species, age, sex, number of donors; autologous, allogeneic or xenogeneic)",
    "isolation method; culture medium and supplements (serum, platelet lysate, growth factors); 2D or 3D culture",
    "passage number (and population doublings) at the time of use",
    "viability at administration and the time from harvest or thaw to injection",
    "sterility, mycoplasma and endotoxin testing",
    "preconditioning or genetic engineering, with how it was verified",
    "formulation: vehicle, volume, cell concentration, and any scaffold or hydrogel",
    "a potency assay tied to the proposed mechanism (for example suppression of T-cell proliferation)",
)

_MSC = (
    "adherence to plastic under standard culture conditions (ISCT criterion 1)",
    "flow cytometry: at least 95% of cells positive for CD73, CD90 and CD105, and at most 2% positive for CD45, "
    "CD34, CD14 or CD11b, CD79a or CD19, and HLA-DR (ISCT criterion 2)",
    "differentiation in vitro to bone, fat and cartilage, shown by staining (ISCT criterion 3)",
)
_NEURAL = (
    "neural stem or progenitor markers (for example nestin, SOX2) and the share of cells expressing them",
    "differentiation in vitro into neurons, astrocytes and oligodendrocytes",
    "absence of residual pluripotent cells (for example OCT4, NANOG) and a normal karyotype",
)
_PLURIPOTENT = (
    "reprogramming method (integrating or not) and the differentiation protocol with its purity readout",
    "residual undifferentiated cells measured with a sensitive assay (for example OCT4 or TRA-1-60), with a "
    "release threshold",
    "genomic stability (karyotype, copy-number analysis) of the banked line",
    "a tumorigenicity or teratoma study covering the planned dose and follow-up",
)
_VESICLE = (
    "the source cells, characterised as for a cell product, and the conditioning (serum-free or EV-depleted "
    "medium, duration, cell confluence)",
    "separation and concentration method with its key settings (ultracentrifugation, size-exclusion "
    "chromatography, tangential-flow filtration, precipitation)",
    "particle number (nanoparticle tracking or similar) and total protein, with particles per microgram of "
    "protein as a purity indicator; the dose stated in both units",
    "size distribution, and single-vesicle images (electron microscopy)",
    "protein markers: at least one membrane-bound (CD9, CD63 or CD81) and one luminal (TSG101 or ALIX), plus a "
    "co-isolated contaminant expected to be absent or low (for example calnexin or APOA1)",
    "storage temperature, buffer and number of freeze-thaw cycles; batch-to-batch consistency",
    "a potency assay tied to the proposed mechanism",
)
_SECRETOME = (
    "the source cells, characterised as for a cell product, and the conditioning protocol",
    "total protein and an unbiased profile (proteomics or a multiplex cytokine/chemokine panel), with ELISA or "
    "Luminex validation of the mediators thought to matter",
    "batch-to-batch consistency and storage conditions",
    "a potency assay tied to the proposed mechanism",
)


_MSC_LIKE = frozenset({"CL:0000134", "CL:4030035"})  # MSCs and the MSC-like dental pulp stem cells


def _ancestors(curie: str) -> set[str]:
    vocab, seen = get_vocabulary("product"), set()
    while curie and curie not in seen:
        seen.add(curie)
        curie = vocab.get(curie).extra.get("parent", "")
    return seen


def characterisation(product: str) -> tuple[str, list[str]]:
    """(heading, items) for the product CURIE: the checklist of product characterisation to report."""
    term = get_vocabulary("product").get(product)
    kind, tier = term.extra.get("kind", ""), term.extra.get("risk_tier", "")
    if kind == "vehicle":
        return "Vehicle", ["composition, volume and handling identical to the treated groups"]
    if kind == "vesicle":
        return "Extracellular vesicles (MISEV-style characterisation)", list(_VESICLE)
    if kind == "secretome":
        return "Secretome / conditioned medium", list(_SECRETOME)
    if tier == "pluripotent":
        return "Pluripotent-derived cells", [*_PLURIPOTENT, *COMMON_CELL_ITEMS]
    if tier == "neural_stem":
        return "Neural stem or progenitor cells", [*_NEURAL, *COMMON_CELL_ITEMS]
    if _ancestors(product) & _MSC_LIKE:
        return "Mesenchymal stromal/stem cells (ISCT minimal criteria)", [*_MSC, *COMMON_CELL_ITEMS]
    return f"Cells ({term.label})", list(COMMON_CELL_ITEMS)
