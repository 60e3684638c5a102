# A slim production image: `docker build -t swarmboard .` then
# `docker run -p 8000:8000 -e SWARMBOARD_SECRET_KEY=... -v sb-data:/data swarmboard`
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SWARMBOARD_ENVIRONMENT=production \
    SWARMBOARD_DATABASE_URL=sqlite+aiosqlite:////data/swarmboard.db
COPY --from=build /install /usr/local
RUN groupadd --system --gid 10001 swarmboard \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --create-home swarmboard
# A numeric user and group, so Kubernetes' runAsNonRoot can tell it is not root.
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# Behind a reverse proxy, name it so the sign-in throttle sees the real client address:
#   -e SWARMBOARD_FORWARDED_ALLOW_IPS=172.28.0.10   (addresses or networks, comma-separated)
# Unset (the default), X-Forwarded-For and X-Forwarded-Proto are ignored.
HEALTHCHECK --interval=30s --timeout=3s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
CMD ["swarmboard", "serve", "--host", "0.0.0.0"]
