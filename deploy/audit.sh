#!/usr/bin/env bash
# `make audit`: three checks, each run even when an earlier one fails; the target fails if any
# check does (docs/deploy.md, "make audit").
#
# 1. pip-audit: no installed dependency with a known vulnerability. It asks PyPI's JSON API (the
#    "pypi" service), then OSV (api.osv.dev). When neither answers for the installed versions it
#    says so plainly and, unless AUDIT_REQUIRE_VULNERABILITY_DATA=1, does not fail the target:
#    nothing was checked, which is not the same as "no vulnerability".
# 2. bandit (configured in pyproject.toml): no finding of medium severity or higher, unless its
#    line explains it with `# nosec BXXX: reason`.
# 3. `manage.py check --deploy` with deploy/env.example filled in with throwaway values and keys
#    in a temporary folder: no issue at all.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
failed=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- 1. dependencies ---------------------------------------------------------------------------
echo "== pip-audit: installed dependencies against known vulnerabilities"
summarise() {  # $1 the JSON report; prints "<audited> <skipped> <vulnerable>", lists the vulnerable
  "$BIN/python" - "$1" <<'EOF'
import json, sys
deps = json.load(open(sys.argv[1]))["dependencies"]
audited = [d for d in deps if "skip_reason" not in d]
vulnerable = [d for d in audited if d.get("vulns")]
for d in vulnerable:
    ids = ", ".join(v["id"] + (" (fixed in " + ", ".join(v["fix_versions"]) + ")" if v.get("fix_versions") else "") for v in d["vulns"])
    print(f"  {d['name']} {d['version']}: {ids}", file=sys.stderr)
print(len(audited), len(deps) - len(audited), len(vulnerable))
EOF
}
checked=""
for service in pypi osv; do
  report="$work/pip-audit-$service.json"
  "$BIN/pip-audit" --local --skip-editable --vulnerability-service "$service" \
    --progress-spinner off --format json --output "$report" >"$work/pip-audit.log" 2>&1
  if [ ! -s "$report" ]; then
    echo "   $service: no answer ($(grep -Eo '(Failed to resolve|Connection refused|timed out|Max retries)[^)]*' "$work/pip-audit.log" | head -1))"
    continue
  fi
  read -r audited skipped vulnerable < <(summarise "$report")
  if [ "$audited" -eq 0 ]; then
    echo "   $service: answered for none of the $skipped installed dependencies"
    continue
  fi
  checked=yes
  if [ "$vulnerable" -gt 0 ]; then
    echo "pip-audit ($service): $vulnerable of $audited dependencies have known vulnerabilities (above): upgrade them."
    failed+=(pip-audit)
  else
    echo "pip-audit ($service): no known vulnerability in $audited dependencies ($skipped not found there, not checked)."
  fi
  break
done
if [ -z "$checked" ]; then
  echo "pip-audit could not reach a vulnerability service (PyPI's JSON API for the installed"
  echo "versions, or api.osv.dev) from this machine: the dependencies were NOT checked for known"
  echo "vulnerabilities. Run \`make audit\` where pypi.org answers, or set"
  echo "AUDIT_REQUIRE_VULNERABILITY_DATA=1 to make this a failure."
  [ "${AUDIT_REQUIRE_VULNERABILITY_DATA:-0}" = 1 ] && failed+=(pip-audit)
fi

# --- 2. bandit ---------------------------------------------------------------------------------
echo "== bandit: medium severity or higher"
# bandit warns about each word of a `# nosec BXXX: reason` and about a nosec on a line of a
# multi-line statement it checks twice; both are noise here, the findings are on stdout.
if "$BIN/bandit" -c pyproject.toml -r . --severity-level medium --quiet \
  2> >(grep -Ev 'WARNING	(Test in comment|nosec encountered)' >&2); then
  echo "bandit: no unexplained finding of medium severity or higher."
else
  echo "bandit: fix each finding above, or say on its line why it is safe: # nosec BXXX: reason"
  failed+=(bandit)
fi

# --- 3. Django's deployment checks with the production env example -----------------------------
echo "== manage.py check --deploy with deploy/env.example"
keys="$work/keys"
env_file="$work/env"
if ENV_FILE=/nonexistent SUPPORTDESK_ENV=test "$BIN/python" manage.py generate_keys --write "$keys" >/dev/null \
  && "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(48))" >"$work/audit.key" \
  && ENV_FILE=/nonexistent "$BIN/python" -m supportdesk.audit.signer generate-key --name desk.example.org/audit "$work/audit-signing.key" >/dev/null \
  && ENV_FILE=/nonexistent "$BIN/python" -m supportdesk.audit.signer public-key --key "$work/audit-signing.key" >"$work/audit-verifier.key"; then
  secret=$("$BIN/python" -c "import secrets; print(secrets.token_urlsafe(50))")
  # The example as it is, its paths moved into the temporary folder and a real secret key.
  sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$secret|" \
    -e "s|/etc/supportdesk/|$work/|g" \
    -e "s|/var/lib/supportdesk/|$work/|g" \
    -e "s|/var/backups/supportdesk|$work/backups|g" \
    deploy/env.example >"$env_file"
  echo "STATIC_ROOT=$work/static" >>"$env_file"
  if env -i PATH="$PATH" HOME="${HOME:-/tmp}" ENV_FILE="$env_file" \
    "$BIN/python" manage.py check --deploy --fail-level WARNING; then
    :
  else
    echo "check --deploy: fix the settings or deploy/env.example so it reports no issues."
    failed+=("check --deploy")
  fi
else
  echo "check --deploy: could not make the throwaway keys (above)."
  failed+=("check --deploy")
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "make audit failed: ${failed[*]}."
  exit 1
fi
echo "make audit: passed."
