#!/bin/sh
# Installs Cyrus IMAP into a private prefix for the integration tests.
# Debian's cyrus-imapd conflicts with dovecot-imapd (both provide imap-server), so the two
# Cyrus packages are unpacked with dpkg-deb -x instead of installed; only their shared-library
# dependencies (which conflict with nothing) and sasl2-bin (saslpasswd2) are installed by apt.
# Idempotent: a second run with the prefix in place does nothing.
# Usage: test/support/install-cyrus.sh [PREFIX]   (default /opt/mailshift-cyrus)
set -eu
PREFIX="${1:-${MAILSHIFT_CYRUS_PREFIX:-/opt/mailshift-cyrus}}"
if [ -x "$PREFIX/usr/lib/cyrus/bin/master" ] && [ -x "$PREFIX/usr/lib/cyrus/bin/imapd" ] \
  && command -v saslpasswd2 >/dev/null 2>&1; then
  echo "cyrus already unpacked in $PREFIX"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Libraries cyrus-common and cyrus-imapd link against (apt-cache depends cyrus-common cyrus-imapd),
# none of which conflicts with dovecot-imapd; sasl2-bin gives saslpasswd2 for the sasldb users.
LIBS="libclamav12 libical3 libicu72 libjansson4 libxapian30 libzephyr4 libpq5 libwrap0 \
libcom-err2 libkrb5-3 libldap-2.5-0 libpcre3 libsqlite3-0 libxml2 libsasl2-2 \
libsasl2-modules libsasl2-modules-db libssl3 zlib1g sasl2-bin db-util"
if ! apt-get install -y --no-install-recommends $LIBS >/dev/null 2>&1; then
  apt-get update >/dev/null
  apt-get install -y --no-install-recommends $LIBS >/dev/null
fi
# Guard: the machine's Dovecot must survive this script.
dpkg -s dovecot-imapd >/dev/null 2>&1 || echo "note: dovecot-imapd is not installed here" >&2
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
( cd "$WORK" && apt-get download cyrus-common cyrus-imapd >/dev/null )
mkdir -p "$PREFIX"
for deb in "$WORK"/*.deb; do
  dpkg-deb -x "$deb" "$PREFIX"
done
test -x "$PREFIX/usr/lib/cyrus/bin/master"
test -x "$PREFIX/usr/lib/cyrus/bin/imapd"
echo "cyrus unpacked in $PREFIX"
