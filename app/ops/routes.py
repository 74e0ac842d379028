"""GET /health, the raw spec, and the /apidocs/ alias of Swagger UI."""

from flask import current_app, jsonify, redirect, send_file

from app.ops import bp
from app.ops.service import database_is_up


@bp.get("/health")
def health():
    if database_is_up():
        return jsonify(status="ok", database="ok")
    return jsonify(status="error", database="unreachable"), 503


@bp.get("/swagger.yml")
def swagger_yaml():
    return send_file(current_app.config["SWAGGER_FILE"], mimetype="application/yaml")


@bp.get("/apidocs/")
def apidocs():
    return redirect("/", code=302)
