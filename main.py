"""Entry point: `gunicorn main:app`, or `python main.py` for the development server."""

from app import create_app

app = create_app()


if __name__ == "__main__":
    cert, key = app.config["TLS_CERT_FILE"], app.config["TLS_KEY_FILE"]
    ssl_context = (cert, key) if cert and key else None
    app.run(host="127.0.0.1", port=5000, ssl_context=ssl_context)
