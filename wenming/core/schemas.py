"""The API's input types: one place that says what bad input is (wenming.core.cleaning) for
every request schema, query filter and path parameter.

Request schemas inherit `Schema` (or `Strict`): every field they hold is checked by type, so
no endpoint needs its own patch: text without control characters (blank text becomes ""),
integers within 64 bits, dates and times within the platform's range (aware ones normalised to
Asia/Shanghai), floats finite. Plain parameters of a view use the annotated types below
(`Id`, `Lat`, `Lng`, `Text`, `PlatformDateTime`, `PlatformDate`).

The checks run on what a caller sends, never on what the API answers: a stored value that
would fail them today must still be readable (no stored value may make a later read fail).
"""

import datetime
import math
from typing import Annotated, Any

from annotated_types import Ge, Le
from ninja import Schema as NinjaSchema
from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from . import cleaning


def is_request_input(info: ValidationInfo | None) -> bool:
    """True while ninja validates a request (its context names the request); False while it
    checks a response (the context also names the status) or code builds a schema itself."""
    context = getattr(info, "context", None) or {}
    return "request" in context and "response_status" not in context


def clean_text(value: str, *, min_length: int = 0) -> str:
    if cleaning.has_control_characters(value):
        raise PydanticCustomError("control_characters", "text holds control characters")
    if value and cleaning.is_blank(value):
        value = ""
    if len(value) < min_length:
        raise PydanticCustomError("blank", "text is empty")
    return value


def check_int(value: int) -> int:
    if not cleaning.fits_int64(value):
        raise PydanticCustomError("int64_range", "integer out of range")
    return value


def check_datetime(value: datetime.datetime) -> datetime.datetime:
    if not cleaning.datetime_in_range(value):
        raise PydanticCustomError("datetime_range", "time out of the platform's range",
                                  {"first": str(cleaning.FIRST_DAY),
                                   "last": str(cleaning.LAST_DAY)})
    return cleaning.normalise_datetime(value)


def check_date(value: datetime.date) -> datetime.date:
    if not cleaning.date_in_range(value):
        raise PydanticCustomError("date_range", "date out of the platform's range",
                                  {"first": str(cleaning.FIRST_DAY),
                                   "last": str(cleaning.LAST_DAY)})
    return value


def check_degrees(value: float, limit: int) -> float:
    """A coordinate: finite and within ±limit (checked on input only, like the rest, so an
    output schema that uses the type never fails on a stored value)."""
    if not math.isfinite(value):
        raise PydanticCustomError("finite_number", "not a finite number")
    if not -limit <= value <= limit:
        raise PydanticCustomError("degrees_range", "coordinate out of range", {"limit": limit})
    return value


def clean_value(value: Any, *, min_length: int = 0) -> Any:
    """One value of any field, by its type; lists, sets and dicts item by item (nested
    schemas check themselves)."""
    if isinstance(value, str):
        return clean_text(value, min_length=min_length)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return check_int(value)
    if isinstance(value, datetime.datetime):
        return check_datetime(value)
    if isinstance(value, datetime.date):
        return check_date(value)
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(clean_value(item, min_length=1) for item in value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    return value


def _on_input(check):
    """An annotated type's check, applied to request input only."""
    def validate(value, info: ValidationInfo):
        return check(value) if is_request_input(info) and value is not None else value
    return AfterValidator(validate)


# A row id: 1 .. 2**63-1. On a path, anything else is a 404 (wenming.api); in a query or a
# body a 422.
Id = Annotated[int, Ge(1), Le(cleaning.ID_MAX)]
Lat = Annotated[float, _on_input(lambda v: check_degrees(v, 90)),
                Field(json_schema_extra={"minimum": -90, "maximum": 90})]
Lng = Annotated[float, _on_input(lambda v: check_degrees(v, 180)),
                Field(json_schema_extra={"minimum": -180, "maximum": 180})]
Text = Annotated[str, _on_input(clean_text)]
PlatformDateTime = Annotated[datetime.datetime, _on_input(check_datetime)]
PlatformDate = Annotated[datetime.date, _on_input(check_date)]


class Schema(NinjaSchema):
    """The base of every request schema and query filter."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _platform_rules(cls, value: Any, info: ValidationInfo) -> Any:
        if not is_request_input(info):
            return value
        field = cls.model_fields.get(info.field_name or "")
        min_length = max((getattr(m, "min_length", 0) or 0 for m in field.metadata), default=0) \
            if field is not None else 0
        return clean_value(value, min_length=min_length)


class Strict(Schema):
    """A request body that refuses unknown fields, so a misspelt field is never dropped."""

    model_config = ConfigDict(extra="forbid")
