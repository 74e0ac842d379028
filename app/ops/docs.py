"""Swagger UI at / (flasgger), serving the hand-written swagger.yml as the spec."""

import yaml
from flasgger import Swagger


def load_spec(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def init_swagger(app):
    spec = load_spec(app.config["SWAGGER_FILE"])
    app.config["SWAGGER"] = {
        "openapi": spec.get("openapi", "3.0.3"),
        "title": spec["info"]["title"],
        "uiversion": 3,
        "specs_route": "/",
    }
    config = {
        "headers": [],
        "specs": [
            {
                "endpoint": "apispec",
                "route": "/apispec.json",
                # The spec is swagger.yml alone: never merge view docstrings into it.
                "rule_filter": lambda rule: False,
                "model_filter": lambda tag: False,
            }
        ],
        "static_url_path": "/flasgger_static",
        "swagger_ui": True,
        "specs_route": "/",
        # Without it flasgger writes `auth_config = None;` into the page, a JS ReferenceError.
        "auth": {},
    }
    Swagger(app, template=spec, config=config, merge=True)
