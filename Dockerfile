# Base pinned by exact version. For a reproducible rebuild pin its digest too, as
#   FROM python:3.11.14-slim-bookworm@sha256:<digest of `docker buildx imagetools inspect`>
FROM python:3.11.14-slim-bookworm

# Production: every enabled provider needs its credentials, no emulator is served, and
# a container without them exits with status 2 and one line. A demo container:
#   docker run -e GATEWAY_MODE=demo -p 8000:8000 customer-gateway
# A demo stack (two replicas, Redis, a load balancer): deploy/docker-compose.yml.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    GATEWAY_MODE=production \
    PORT=8000

RUN groupadd --gid 10001 gateway \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin gateway
WORKDIR /app

# Dependencies first, from the committed lock (refresh: see its header): this layer is
# rebuilt only when the lock changes, and every build installs the same versions.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY schema ./schema
COPY sandboxes ./sandboxes
# --no-deps: nothing beyond the lock; `pip check` fails the build if the lock misses one.
RUN pip install --no-deps . && pip check

# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"
CMD ["customer-gateway", "serve", "--host", "0.0.0.0"]
