#!/usr/bin/env bash
# The scaled deployment on one machine, all on loopback: PostgreSQL (tracker store), Redis (lock
# store + channel state), REPLICAS Rasa replicas (default 2), ACTION_SERVERS action servers
# (default 1) and nginx in front on PORT (default 8080). PostgreSQL, Redis and nginx are installed
# from the Debian packages when missing; their data, configs and logs go to var/scaled/
# (SCALED_DIR). Passwords: POSTGRES_PASSWORD / REDIS_PASSWORD / ACTION_SERVER_TOKEN from the
# environment, else generated once into var/scaled/secrets.env (mode 600). Ctrl-C stops everything.
source "$(dirname "$0")/common.sh"
setup_python
setup_web
train_if_needed
exec "$PY" -m bot.local_stack "$@"
