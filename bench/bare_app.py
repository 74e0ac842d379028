"""The baseline of the list ratio: bare Flask serving the same JSON page as GET /events."""

import json
import os
from pathlib import Path

from flask import Flask, jsonify

app = Flask(__name__)
app.json.sort_keys = False
PAGE = json.loads(Path(os.environ["BENCH_BARE_PAGE"]).read_text())


@app.get("/events")
def events():
    return jsonify(PAGE)
