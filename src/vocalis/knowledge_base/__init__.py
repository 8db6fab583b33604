"""Knowledge bases (RAG): documents retrieved for each user turn and shown to the LLM.

    kb = KnowledgeBase.local("kb/")          # built with: vocalis kb ingest docs/ --into kb/
    agent = Agent(instructions="...", knowledge_base=kb)

The local backend reads Markdown, text, HTML and PDF, cuts them into chunks, embeds them
with all-MiniLM-L6-v2 on ONNX Runtime and stores them in one SQLite file (sqlite-vec); a
search fuses the nearest vectors with full-text matches.
``KnowledgeBase(KnowledgeBaseConfig(id=...))`` searches a hosted knowledge base instead.
"""

from .chunking import Chunk, chunk_document
from .documents import Document, DocumentError, Section, read_document
from .hosted import HostedSearch
from .ingest import IngestReport, ingest
from .injection import Retrieval, retrieve_for_reply, retrieve_for_transcript, with_context
from .knowledge_base import KnowledgeBase, KnowledgeBaseConfig, SearchBackend
from .store import SearchHit, StoreError, VectorStore

__all__ = [
    "Chunk",
    "Document",
    "DocumentError",
    "HostedSearch",
    "IngestReport",
    "KnowledgeBase",
    "KnowledgeBaseConfig",
    "Retrieval",
    "SearchBackend",
    "SearchHit",
    "Section",
    "StoreError",
    "VectorStore",
    "chunk_document",
    "ingest",
    "read_document",
    "retrieve_for_reply",
    "retrieve_for_transcript",
    "with_context",
]
