"""Configuration: every variable config.py reads is documented in .env.example."""

import re

from config import BASE_DIR


def test_every_environment_variable_is_documented_in_env_example():
    source = (BASE_DIR / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env(?:_bool|_int)?\("([A-Z0-9_]+)"', source))
    example = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#? ?([A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert read, "config.py should read the environment through env()"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


def test_env_example_holds_no_secret_values():
    example = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    for name in ("SECRET_KEY", "JWT_SECRET_KEY", "SECURITY_PASSWORD_SALT", "SMTP_PASSWORD"):
        assert re.search(rf"^{name}=$", example, flags=re.MULTILINE), name
