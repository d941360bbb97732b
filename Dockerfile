# dbmanage-agent and the <service>-db-manage programs, for containers
# (docs/deployment.md). Build from the project folder:
#   docker build -t dbmanage .
# Every database driver and lock back-end is installed; psycopg2 is built
# against Debian's libpq, as psycopg advises for production.
FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN python -m venv /opt/dbmanage \
    && /opt/dbmanage/bin/pip install --no-cache-dir '/src[mysql,postgresql,redis,etcd]'

FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 dbmanage \
    && useradd --system --uid 10001 --gid dbmanage --home-dir /var/lib/dbmanage \
        --create-home --shell /usr/sbin/nologin dbmanage
COPY --from=build /opt/dbmanage /opt/dbmanage
# The chain index goes to the user's own folder (docs/operations.md).
ENV PATH=/opt/dbmanage/bin:$PATH \
    XDG_CACHE_HOME=/var/lib/dbmanage/.cache
USER dbmanage
WORKDIR /var/lib/dbmanage
# The agent by default; a CLI by naming it:
#   docker run --rm -v /etc/mistral:/etc/mistral:ro dbmanage mistral-db-manage upgrade head
CMD ["dbmanage-agent", "--config-file", "/etc/dbmanage/agent.conf"]
