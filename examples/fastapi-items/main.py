"""An ASGI app: lw runs it on a per-container event loop, lifespan included."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

ITEMS: dict[int, dict] = {}


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Runs once per container (cold start), as on Lambda: seed the in-memory store.
    ITEMS.setdefault(1, {"id": 1, "name": "hammer", "price": 9.5})
    yield


app = FastAPI(title="items", lifespan=lifespan)


class NewItem(BaseModel):
    name: str
    price: float


@app.get("/")
async def root():
    return {"service": "items", "count": len(ITEMS)}


@app.get("/items")
async def list_items():
    return sorted(ITEMS.values(), key=lambda item: item["id"])


@app.get("/items/{item_id}")
async def get_item(item_id: int):
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail=f"no item {item_id}")
    return ITEMS[item_id]


@app.post("/items", status_code=201)
async def create_item(item: NewItem):
    """In memory, per worker: a real app would use a database (see the django example)."""
    new_id = max(ITEMS, default=0) + 1
    ITEMS[new_id] = {"id": new_id, **item.model_dump()}
    return ITEMS[new_id]
