#!/usr/bin/env bash
# Makes sure what the test suites need beyond npm packages is here: MariaDB reachable at TEST_DATABASE_URL (default
# root@127.0.0.1:3306, database test), Debian's Chromium at /usr/bin/chromium and CJK fonts for the screenshots, and
# Debian's nginx (the sample site config deploy/nginx/aizhao.conf is checked with nginx -t and run in front of a server),
# and heif-enc (libheif-examples), which encodes the HEVC HEIC test photos.
# As root on Debian it installs and starts what is missing; elsewhere it says what to install. Run by `npm test`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

say() { printf '[test-deps] %s\n' "$*"; }
url=${TEST_DATABASE_URL:-mysql://root@127.0.0.1:3306/test}
can_install=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then can_install=1; fi
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  apt-get install -y -qq "$@" >/dev/null
}
need() {
  say "missing: $1"
  say "install it (Debian: apt-get install -y $2), or run this script as root to install it"
  exit 1
}

# --- MariaDB (only for the default local server; a custom TEST_DATABASE_URL must already be reachable)
db_ok() { node -e '
  const mysql = require("mysql2/promise");
  mysql.createConnection(process.argv[1]).then(c => c.end(), () => process.exit(1));
' "$url" >/dev/null 2>&1; }
if ! db_ok; then
  case "$url" in
    mysql://root@127.0.0.1:3306/*|mysql://root@localhost:3306/*) ;;
    *) say "cannot connect to TEST_DATABASE_URL=$url"; exit 1 ;;
  esac
  [ "$can_install" = 1 ] || need "MariaDB on 127.0.0.1:3306 (root, no password, database test)" "mariadb-server"
  if [ ! -x /usr/sbin/mariadbd ]; then say "installing MariaDB"; apt_install mariadb-server mariadb-client; fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  if ! mysqladmin ping -uroot --silent 2>/dev/null; then
    say "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql || service mariadb start || true
    for _ in $(seq 1 60); do mysqladmin ping -uroot --silent 2>/dev/null && break; sleep 0.5; done
  fi
  # a fresh Debian install lets root in by unix socket only: allow passwordless TCP for the tests
  mysql -uroot -e "CREATE DATABASE IF NOT EXISTS test" || true
  db_ok || mysql -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;" || true
  db_ok || { say "MariaDB is still not reachable at $url"; exit 1; }
fi

# --- Chromium (Playwright drives Debian's build; nothing downloads a browser) and CJK fonts
if [ ! -x /usr/bin/chromium ]; then
  [ "$can_install" = 1 ] || need "Chromium at /usr/bin/chromium" "chromium"
  say "installing Chromium"
  apt_install chromium
fi
if command -v fc-list >/dev/null 2>&1 && ! fc-list 2>/dev/null | grep -i 'noto sans cjk' >/dev/null; then
  if [ "$can_install" = 1 ]; then say "installing CJK fonts"; apt_install fonts-noto-cjk; else say "note: install fonts-noto-cjk, or Chinese shows as boxes in screenshots"; fi
fi

# --- nginx (the binary only: the tests run their own instance with a temporary config, nothing is enabled)
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  [ "$can_install" = 1 ] || need "nginx" "nginx"
  say "installing nginx"
  apt_install nginx
fi
# heif-enc (libheif's examples, with the x265 encoder) makes the iPhone-style HEIC photos of the desktop's HEIC tests
if ! command -v heif-enc >/dev/null 2>&1; then
  [ "$can_install" = 1 ] || need "heif-enc" "libheif-examples"
  say "installing libheif-examples (heif-enc)"
  apt_install libheif-examples
fi
# openssl makes the nginx test's self-signed certificate
if ! command -v openssl >/dev/null 2>&1; then
  [ "$can_install" = 1 ] || need "openssl" "openssl"
  apt_install openssl
fi
exit 0
