# syntax=docker/dockerfile:1
# Forecourt's container image: `docker build -t forecourt .` (make dist builds it where a Docker engine runs).
# Stage 1 builds the wheel (with CHANGELOG.md inside) and a virtual environment with the PostgreSQL and
# MySQL drivers; stage 2 is the slim runtime: no compiler, a non-root user, /data for state.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config libmariadb-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md CHANGELOG.md LICENSE ./
COPY src ./src
RUN python -m pip install --no-cache-dir build \
 && python -m build --wheel --outdir /wheels . \
 && python -m venv /opt/forecourt/venv \
 && /opt/forecourt/venv/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/forecourt/venv/bin/pip install --no-cache-dir "$(ls /wheels/forecourt-*.whl)[postgres,mysql]" \
 && /opt/forecourt/venv/bin/python -m compileall -q /opt/forecourt/venv/lib

FROM ${PYTHON_IMAGE} AS runtime
ARG UID=10001
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmariadb3 xmlsec1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid "${UID}" forecourt \
 && useradd --system --uid "${UID}" --gid forecourt --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin forecourt \
 && mkdir -p /data/themes \
 && chown -R forecourt:forecourt /data
COPY --from=build /opt/forecourt/venv /opt/forecourt/venv
# Settings are PORTAL_* variables (docs/configuration.md); these are the image's defaults.
ENV PATH=/opt/forecourt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORTAL_HOSTPORT=3001 \
    PORTAL_LISTENADDRESS=0.0.0.0 \
    PORTAL_DATADIR=/data \
    PORTAL_THEMING_PATH=/data/themes \
    PORTAL_LOG_FORMAT=prod
WORKDIR /data
# SQLite database, uploaded media and the operator's themes.
VOLUME ["/data"]
EXPOSE 3001
USER ${UID}:${UID}
# /live answers 200 once the process serves (no curl in the image: Python's urllib; a non-2xx raises).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, ssl, urllib.request as u; tls = os.environ.get('PORTAL_TLS_ENABLE', '').lower() in ('1', 'true', 'yes', 'on'); u.urlopen(('https' if tls else 'http') + '://127.0.0.1:' + os.environ.get('PORTAL_HOSTPORT', '3001') + '/live', timeout=4, context=ssl._create_unverified_context() if tls else None)"]
# `docker run IMAGE` serves (migrating first, under a lock); `docker run IMAGE backup ...` runs another command.
ENTRYPOINT ["forecourt"]
CMD ["serve"]
