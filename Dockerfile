# bookings-sessions: the GraphQL server, without a database.
#
# FerretDB (the embedded development database) is not built into the image: a container talks to a
# real MongoDB-wire server given by MONGODB_URI (see docker-compose.yml for one with mongo:7).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what the package needs: pyproject.toml names README.md as its readme.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bookings_sessions ./bookings_sessions
RUN pip install . && rm -rf /src

# Non-root. DATA_DIR holds the development JWT secret if JWT_SECRET is not set (it should be).
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/bookings-sessions bookings
USER bookings
WORKDIR /var/lib/bookings-sessions
ENV DATA_DIR=/var/lib/bookings-sessions

EXPOSE 8000

# The slim image has no curl; python is there anyway. urlopen raises (exit 1) on errors and non-2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Refuse to start without MONGODB_URI (one clear line instead of a failed FerretDB lookup); `exec` makes
# the server PID 1's direct replacement, so `docker stop` (SIGTERM) reaches uvicorn and shuts down cleanly.
CMD ["sh", "-c", "if [ -z \"$MONGODB_URI\" ]; then echo 'bookings-sessions: set MONGODB_URI (the image has no embedded database)' >&2; exit 2; fi; exec bookings-sessions serve --host 0.0.0.0 --port 8000"]
