"""The building blocks of the typed outputs: a strict model base and described fields.

Shared by :mod:`advisor.assessment` and :mod:`advisor.measured_model`; every field of a
published output carries a description, which its JSON Schema shows.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

# An int stays an int and a float a float (smart union), so output never changes type.
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
Interval = Annotated[list[float], Field(min_length=2, max_length=2)]
JsonValue = Annotated[Any, WithJsonSchema({})]
StrategyId = str  # the four ids of the interface, or a custom rubric's ids


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def described(description: str, default: Any = ..., **kwargs) -> Any:
    return Field(default, description=description, **kwargs)
