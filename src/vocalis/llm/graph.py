"""Conversational graphs (the reference's structured dialog flows): the response schema, and
why the adapter is not available.

``ConversationalGraphResponse`` is the JSON shape an LLM answers in under a graph
(``response_to_user`` plus the values it extracted). Running a graph needs the external
``ConversationalGraph`` package, which Vocalis does not integrate: ``GraphPipelineAdapter`` and
``Pipeline(conversational_graph=...)`` raise an error saying how to build the same flow.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

GRAPH_UNAVAILABLE = (
    "conversational graphs are not supported by Vocalis: model each step as an Agent (tools "
    "that return the next Agent hand the call over) or keep the state in function tools"
)


class ExtractedField(BaseModel):
    """One value the LLM extracted from what the user said."""

    key: str = Field(description="Name of the field")
    value: Any = Field(default=None, description="Extracted value")


class ConversationalGraphResponse(BaseModel):
    """What the LLM answers under a conversational graph."""

    response_to_user: str = Field(description="Response to the user by agent")
    extracted_values: list[ExtractedField] = Field(
        default_factory=list, description="List of extracted values from the user input"
    )


class GraphPipelineAdapter:
    """The reference's bridge between a ``ConversationalGraph`` and the pipeline."""

    def __init__(self, graph: Any) -> None:
        raise NotImplementedError(GRAPH_UNAVAILABLE)
