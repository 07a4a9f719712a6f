# Rondvraag: self-hosted live audience polling.
#   docker build -t rondvraag .
#   docker run -p 8000:8000 -v rondvraag-data:/data \
#       -e RONDVRAAG_PUBLIC_URL=http://<laptop-ip>:8000 -e RONDVRAAG_ADMIN_TOKEN=... rondvraag
# RONDVRAAG_PUBLIC_URL is what the QR code points at: the address phones can reach, not the
# container's. Without RONDVRAAG_ADMIN_TOKEN a token is generated and kept in /data.
# The same image serves a cluster (PostgreSQL, Redis, several replicas behind HAProxy): see
# deploy/compose.yaml and the README's "A large event".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/rondvraag

# Install the package first (no test extras), so editing a deck does not reinstall it. The
# cluster extra (asyncpg, redis) is imported only with --database postgresql://… and --redis:
# on a laptop the image still serves from SQLite in /data.
COPY pyproject.toml README.md ./
COPY app ./app
RUN python -m pip install '.[cluster]' \
    && rm -rf build ./*.egg-info

COPY questions ./questions

RUN useradd --system --user-group --uid 10001 --home-dir /srv/rondvraag --no-create-home \
        --shell /usr/sbin/nologin rondvraag \
    && mkdir -p /data \
    && chown rondvraag:rondvraag /data

USER rondvraag
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["rondvraag", "serve", "questions/samenwerking.yaml", "--host", "0.0.0.0", "--port", "8000", "--data", "/data"]
