FROM python:3.11-slim

# Production: every enabled provider needs its credentials, no emulator is served, and
# a container without them exits with status 2 and one line. A demo container:
#   docker run -e GATEWAY_MODE=demo -p 8000:8000 customer-gateway
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    GATEWAY_MODE=production \
    PORT=8000

RUN useradd --create-home --uid 10001 gateway
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY schema ./schema
COPY sandboxes ./sandboxes
RUN pip install .

USER gateway
EXPOSE 8000
HEALTHCHECK CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['PORT'])"
CMD ["customer-gateway", "serve", "--host", "0.0.0.0"]
