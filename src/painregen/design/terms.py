"""Spec field types whose text is resolved through a controlled vocabulary and stored as the CURIE."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from painregen.evidence.vocab import UnknownTermError, get_vocabulary

__all__ = ["AssayTerm", "DonorTerm", "ModelTerm", "ProductTerm", "RouteTerm", "SexTerm", "SpeciesTerm", "StrainTerm",
           "TissueTerm", "as_list"]


def _resolver(vocabulary: str) -> BeforeValidator:
    def resolve(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return get_vocabulary(vocabulary).resolve(value).curie
        except UnknownTermError as exc:
            raise ValueError(str(exc)) from None

    return BeforeValidator(resolve)


def as_list(value: Any) -> Any:
    return [value] if isinstance(value, str | int | float) else value


ModelTerm = Annotated[str, _resolver("model")]
SpeciesTerm = Annotated[str, _resolver("species")]
StrainTerm = Annotated[str, _resolver("strain")]
SexTerm = Annotated[str, _resolver("sex")]
ProductTerm = Annotated[str, _resolver("product")]
TissueTerm = Annotated[str, _resolver("tissue")]
DonorTerm = Annotated[str, _resolver("donor_relation")]
RouteTerm = Annotated[str, _resolver("route")]
AssayTerm = Annotated[str, _resolver("assay")]
