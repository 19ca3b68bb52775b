"""The service's request and response bodies (pydantic), which are also its OpenAPI schema.

A request is ``{"rows": [...]}`` and nothing else (unknown fields are refused): a list
of objects ``{"column": value}`` or of flat lists of numbers, at least one row. A cell
is a number, text, a bool or null (a missing value); NaN and infinities are refused
here, as JSON itself has no such numbers.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import (BaseModel, ConfigDict, Discriminator, Field, StrictBool, StrictInt,
                      StrictStr, Tag)

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
# bool before int before float: a JSON true stays a bool and 3 stays an integer
Cell = Union[StrictBool, StrictInt, FiniteFloat, StrictStr, None]
ObjectRows = Annotated[list[dict[str, Cell]], Field(min_length=1)]
ListRows = Annotated[list[list[Cell]], Field(min_length=1)]




def _row_kind(rows) -> str | None:
    """Which schema a request's rows follow, by its first row, so a bad request is told
    what is wrong with its own kind of rows (not with both kinds)."""
    if isinstance(rows, list) and rows:
        return "objects" if isinstance(rows[0], dict) else "lists"
    return "lists" if isinstance(rows, list) else None


Rows = Annotated[Union[Annotated[ObjectRows, Tag("objects")], Annotated[ListRows, Tag("lists")]],
                 Discriminator(_row_kind, custom_error_type="rows_kind",
                               custom_error_message="rows must be a list of objects or a list of lists")]


class RowsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: Rows = Field(
        description='Rows to compute: objects {"column": value} for models fitted on named '
                    "columns, or flat lists of numbers for models fitted on arrays.")


class ScoreResponse(BaseModel):
    anomaly_score: list[float] = Field(description="Higher = more anomalous.")
    is_anomaly: list[bool]
    threshold: float = Field(description="Scores above it are anomalies.")


class ExplainResponse(BaseModel):
    columns: list[str]
    shares: list[list[float]] = Field(description="Per row, each column's share of the "
                                                  "reconstruction error; rows sum to 1.")


class EncodeResponse(BaseModel):
    code: list[list[float]]


class ReconstructResponse(BaseModel):
    reconstruction: list[list[float]] = Field(description="Each row rebuilt, flattened.")


class ErrorResponse(BaseModel):
    error: str = Field(description="The kind of problem, e.g. invalid_input.")
    detail: str = Field(description="What is wrong, in one line.")


class HealthResponse(BaseModel):
    status: str
    model_type: str
    aekit_version: str


RESPONSES = {"score": ScoreResponse, "explain": ExplainResponse, "encode": EncodeResponse,
             "reconstruct": ReconstructResponse}
