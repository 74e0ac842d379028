"""Bench databases: a fresh schema (`flask db upgrade`) and N seeded events, reused between runs.

Seeding is skipped when the database already holds exactly N events of the seed organizer; any
other count (an interrupted seed, another size) starts again from an empty database.
"""

import os
import random
import secrets
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import MetaData, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SEED_EMAIL = "seed@bench.tn"
HOT_EMAIL = "hot@bench.tn"
BATCH = 5000


def words(text):
    return text.split()


KINDS = words(
    "Festival Concert Théâtre Exposition Nuit Soirée Rencontres Journées Spectacle Cinéma \
Atelier Récital Carnaval Salon"
)
THEMES = words(
    "jazz malouf soufi musique poésie danse céramique calligraphie photographie mezoued rap \
électro flamenco opéra stambali conte marionnettes patrimoine artisanat gastronomie olivier \
jasmin sahara méditerranée médina printemps été automne hiver lumière mosaïque tapis harissa \
dattes luth oud darbouka violon chorale slam graffiti cirque mode design architecture"
)
CITIES = words(
    "Tunis Carthage Sidi-Bou-Saïd Hammamet Sousse Monastir Mahdia Sfax Djerba Tozeur Douz \
Kairouan Bizerte Tabarka Le-Kef Dougga El-Jem Gabès Nabeul Testour Tataouine Matmata"
)
VENUES = words(
    "Théâtre-municipal Cité-de-la-Culture Amphithéâtre Médina Palais-Ennejma-Ezzahra \
Maison-de-la-culture Musée-du-Bardo Ksar Port Jardin Fort Souk"
)
PROSE = words(
    "une soirée avec les artistes du pays autour de la tradition et de la création \
contemporaine ouverte à tous familles enfants étudiants entrée libre réservation conseillée \
programme riche invités internationaux scène ouverte découverte rencontre héritage andalou \
berbère ottoman punique romain chants instruments ateliers dégustation marché nocturne plage \
oasis désert montagne village quartier ruelles remparts coupole minaret palmeraie"
)
CATEGORIES = words("Music Theatre Exhibition Cinema Dance Heritage Food Workshop")
# Query words: common, rare, prefixes, accented and unaccented forms, two-word queries.
SEARCH_WORDS = words(
    "festival medina théâtre theatre jazz stambali ceramique fest kairouan poésie sahara "
    "mosaique olivier djerba nuit oud"
) + ["festival carthage", "jazz hammamet", "médina tunis"]


def zipf_pick(rng, words, n):
    """n words, the first ones of `words` far more often (as in real text)."""
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return rng.choices(words, weights=weights, k=n)


def event_row(rng, organizer_id, now):
    city = rng.choice(CITIES).replace("-", " ")
    kind, theme = zipf_pick(rng, KINDS, 1)[0], zipf_pick(rng, THEMES, 1)[0]
    words = zipf_pick(rng, PROSE, rng.randint(12, 40)) + zipf_pick(rng, THEMES, 3)
    return {
        "organizer_id": organizer_id,
        "title": f"{kind} {theme} de {city} {rng.randint(2026, 2030)}",
        "description": " ".join(words).capitalize() + ".",
        "starts_at": now + timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60)),
        "location": f"{rng.choice(VENUES).replace('-', ' ')}, {city}",
        "category": rng.choice(CATEGORIES),
        "image": None,
        "number_of_tickets": rng.choice((100, 500, 1000, 5000)),
        "direct_sold": 0,
        "allocated": 0,
        "tickets_sold": 0,
        "price_minor": rng.randint(0, 200) * 1000,
        "currency_code": "TND",
        "created_at": now,
        "updated_at": now,
    }


def upgrade(url):
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "main.py"}
    flask = [sys.executable, "-m", "flask", "db", "upgrade"]
    subprocess.run(flask, cwd=ROOT, env=env, check=True, capture_output=True)


def recreate_database(url):
    """Drops and creates the bench database (a file on SQLite, a database on PostgreSQL)."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def seeded_count(url):
    """Events of the seed organizer, or None when the schema is missing."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine, only=("users", "events"))
        users, events = meta.tables["users"], meta.tables["events"]
        seeder = select(users.c.id).where(users.c.email == SEED_EMAIL).scalar_subquery()
        query = select(func.count()).where(events.c.organizer_id == seeder)
        with engine.connect() as conn:
            return conn.scalar(query)
    except Exception:  # noqa: BLE001  (no database, no tables: seed from scratch)
        return None
    finally:
        engine.dispose()


def add_user(conn, users, email, now):
    row = {
        "email": email, "username": email.split("@")[0], "name": email, "password_hash": None,
        "role": "organizer", "email_verified": True, "is_blocked": False, "is_active": True,
        "failed_login_count": 0, "created_at": now, "updated_at": now,
        "security_stamp": secrets.token_hex(16), "totp_enabled": False,
    }  # fmt: skip
    return conn.execute(insert(users).values(row).returning(users.c.id)).scalar_one()


def seed(url, count):
    """N events with varied French/Tunisian words (accents included), inserted in batches."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine, only=("users", "events"))
    users, events = meta.tables["users"], meta.tables["events"]
    rng, now = random.Random(2026), datetime.now(timezone.utc)
    with engine.begin() as conn:
        organizer_id = add_user(conn, users, SEED_EMAIL, now)
        add_user(conn, users, HOT_EMAIL, now)
        for start in range(0, count, BATCH):
            rows = [event_row(rng, organizer_id, now) for _ in range(min(BATCH, count - start))]
            conn.execute(insert(events), rows)
    if engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk load (it may be off here): planner statistics, and
        # the visibility map that lets COUNT(*) read an index instead of the whole table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE events"))
    engine.dispose()


def ensure_seeded(url, count):
    """Returns True when it seeded, False when the cached database was reused."""
    if seeded_count(url) == count:
        upgrade(url)  # a database seeded under an older schema gets the newer migrations
        return False
    recreate_database(url)
    upgrade(url)
    seed(url, count)
    return True


def add_hot_event(url, stock):
    """A new event of the hot organizer with `stock` tickets; its id."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine, only=("users", "events"))
    users, events = meta.tables["users"], meta.tables["events"]
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        organizer_id = conn.scalar(select(users.c.id).where(users.c.email == HOT_EMAIL))
        row = event_row(random.Random(), organizer_id, now) | {"number_of_tickets": stock}
        row["title"] = "Hot event: " + row["title"]
        event_id = conn.execute(insert(events).values(row).returning(events.c.id)).scalar_one()
    engine.dispose()
    return event_id


def sold_counts(url, event_id):
    """(events.tickets_sold, sum of booking quantities, tickets issued) for one event."""
    engine = create_engine(url)
    params = {"id": event_id}
    with engine.connect() as conn:
        counts = [
            conn.scalar(text("SELECT tickets_sold FROM events WHERE id = :id"), params),
            conn.scalar(
                text("SELECT coalesce(sum(quantity), 0) FROM bookings WHERE event_id = :id"),
                params,
            ),
            conn.scalar(text("SELECT count(*) FROM tickets WHERE event_id = :id"), params),
        ]
    engine.dispose()
    return counts


def emails_sent(url):
    """Outbox messages marked sent so far."""
    engine = create_engine(url)
    with engine.connect() as conn:
        sent = conn.scalar(text("SELECT count(*) FROM email_outbox WHERE status = 'sent'"))
    engine.dispose()
    return sent
