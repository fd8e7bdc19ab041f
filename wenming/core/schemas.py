from ninja import Schema
from pydantic import ConfigDict


class Strict(Schema):
    """A request body that refuses unknown fields, so a misspelt field is never dropped."""

    model_config = ConfigDict(extra="forbid")
