#!/usr/bin/env bash
# Write every secret deploy/compose.yaml names into DIR (default deploy/compose/secrets), mode
# 0600, each only if it is not there yet: run it again and nothing changes. Run from a checkout
# with the venv (`make install`); PYTHON says which Python otherwise.
#
# Compose mounts a secret file as it is on the host (owner and mode included), so the containers'
# users must be able to read them: the app runs as uid 10001, Redis as uid 999, PostgreSQL reads
# its password as root. Run as root and this script hands each file to its reader; otherwise it
# prints the chown commands to run.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-deploy/compose/secrets}
PYTHON=${PYTHON:-.venv/bin/python}
umask 077
mkdir -p "$dir"
random() { "$PYTHON" -c "import secrets; print(secrets.token_hex($1))"; }
write() {  # NAME VALUE: DIR/NAME, unless it exists
  [ -s "$dir/$1" ] || printf '%s\n' "$2" >"$dir/$1"
}

write postgres_password "$(random 24)"
write admin_database_url "postgres://postgres:$(head -1 "$dir/postgres_password")@db:5432/supportdesk"
write app_password "$(random 24)"
write database_url "postgres://supportdesk_app:$(head -1 "$dir/app_password")@db:5432/supportdesk"
rm -f "$dir/app_password"  # it is in database_url; setup.sh gives it to the app role
write redis.conf "requirepass $(random 24)"
write redis_url "redis://:$(sed -n 's/^requirepass //p' "$dir/redis.conf")@redis:6379/0"
write secret_key "$(random 40)"
write audit.key "$(random 32)"
write email_host_password ""
if [ ! -s "$dir/keyring.json" ]; then
  keys=$(mktemp -d)
  ENV_FILE=/nonexistent SUPPORTDESK_ENV=test "$PYTHON" manage.py generate_keys --write "$keys/k" >/dev/null
  mv "$keys/k/keyring.json" "$keys/k/index.key" "$dir/"
  [ -s "$dir/backup.json" ] || mv "$keys/k/backup.json" "$dir/"
  rm -rf "$keys"
fi
if [ ! -s "$dir/audit-signing.key" ]; then
  ENV_FILE=/nonexistent "$PYTHON" -m supportdesk.audit.signer generate-key \
    --name "${SUPPORTDESK_HOST:-desk.example.org}/audit" "$dir/audit-signing.key" >/dev/null
fi
chmod 0600 "$dir"/*

app_files=(database_url redis_url secret_key audit.key email_host_password keyring.json index.key backup.json audit-signing.key admin_database_url)
if [ "$(id -u)" = 0 ]; then
  (cd "$dir" && chown 10001:10001 "${app_files[@]}" && chown 999:999 redis.conf)
  echo "Secrets in $dir, readable by the containers' users only."
else
  echo "Secrets in $dir. As root, hand them to the containers' users:"
  echo "  (cd $dir && chown 10001:10001 ${app_files[*]} && chown 999:999 redis.conf)"
fi
echo "Copy keyring.json, index.key, audit.key and backup.json to offline storage now (docs/runbooks/keys.md)."
