"""A sales report over a CSV with pandas and numpy: an app whose dependencies (over
100 MB unzipped) are why it ships as a container image (docs/images.md)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from flask import Flask, Response, jsonify, request

app = Flask(__name__)
DATA = Path(__file__).with_name("sales.csv")


def load_sales() -> pd.DataFrame:
    return pd.read_csv(DATA, parse_dates=["date"])


def summarise(frame: pd.DataFrame) -> dict[str, object]:
    by_region = frame.groupby("region")["amount"].agg(["count", "sum", "mean"]).round(2)
    monthly = frame.set_index("date")["amount"].resample("MS").sum()
    trend = float(np.polyfit(np.arange(len(monthly)), monthly.to_numpy(), 1)[0]) if len(monthly) > 1 else 0.0
    return {
        "rows": int(len(frame)),
        "total": round(float(frame["amount"].sum()), 2),
        "by_region": {
            region: {"orders": int(row["count"]), "total": float(row["sum"]), "average": float(row["mean"])}
            for region, row in by_region.iterrows()
        },
        "monthly_trend": round(trend, 2),
        "versions": {"pandas": pd.__version__, "numpy": np.__version__},
    }


@app.get("/")
def report() -> Response:
    """The report of the bundled CSV; ``?region=north`` narrows it."""
    frame = load_sales()
    region = request.args.get("region")
    if region:
        frame = frame[frame["region"] == region]
        if frame.empty:
            return jsonify({"error": f"no sales in region {region!r}"}), 404  # type: ignore[return-value]
    return jsonify(summarise(frame))


@app.post("/report")
def report_upload() -> Response:
    """The same report over a CSV sent in the body (columns date, region, amount)."""
    try:
        frame = pd.read_csv(io.BytesIO(request.get_data()), parse_dates=["date"])
        frame["amount"] = pd.to_numeric(frame["amount"])
        return jsonify(summarise(frame))
    except (ValueError, KeyError, pd.errors.ParserError) as exc:
        return jsonify({"error": f"not a sales CSV (date, region, amount): {exc}"}), 400  # type: ignore[return-value]


@app.get("/table")
def table() -> Response:
    """The per-region table as HTML."""
    frame = load_sales().groupby("region")["amount"].sum().round(2).to_frame()
    return Response(frame.to_html(), mimetype="text/html")
