# SPDX-License-Identifier: GPL-2.0
#
# The real servers of tests/realworld, as Debian ships them (sourced by
# run.sh; POSIX sh, as root in the guest).  Each runs from its package's
# binary with a configuration of ours under $D: its documents in $D/www,
# its logs in $D/log, listening on $SRV_ADDR:$PORT, its workers as the
# unprivileged user nobody (a file of mode 000 is theirs to be refused).
#
#   srv_start SERVER   start it; sets $master (the process to record) and
#                      waits until it answers (what it said: $D/start.err)
#   srv_ask WHAT       memcached: the first line of its answer to WHAT
#                      (good: a set and a get; too_large: a set of 1100 bytes)
#   srv_worker         the process serving requests (nginx: its worker)
#   srv_stop           stop it (and the backend) and wait until it has gone
#   srv_backend_up     haproxy's backend: an nginx on 127.0.0.1:$BACKEND_PORT
#   srv_version        its version, as it prints it

PORT=8091
BACKEND_PORT=${BACKEND_PORT:-8092}
SRV_ADDR=${SRV_ADDR:-127.0.0.1}	# nginx, haproxy: 0.0.0.0 to serve another host
BACKEND_ADDR=${BACKEND_ADDR:-127.0.0.1}	# haproxy's backend: another host's
# SRV_HEALTH=1: haproxy answers GET /health itself (200), not its backend

# nobody must exist for the servers to switch to it
srv_users() {
	grep -q '^nobody:' /etc/passwd 2>/dev/null ||
		echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >>/etc/passwd
	grep -q '^nogroup:' /etc/group 2>/dev/null ||
		echo 'nogroup:x:65534:' >>/etc/group
}

srv_conf_nginx() {
	mkdir -p "$D/nginx"
	cat >"$D/nginx.conf" <<EOF
user nobody nogroup;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/log/error.log;
events { worker_connections 64; }
http {
	access_log $D/log/access.log;
	client_body_temp_path $D/nginx/body;
	proxy_temp_path $D/nginx/proxy;
	fastcgi_temp_path $D/nginx/fastcgi;
	uwsgi_temp_path $D/nginx/uwsgi;
	scgi_temp_path $D/nginx/scgi;
	server { listen $SRV_ADDR:$PORT; root $D/www; }
}
EOF
}

# no access log: lighttpd buffers its lines and writes them up to a second
# later, after the request's connection has closed; no stat cache: with it
# the second lighttpd_not_found of one guest met a revalidating stat()
# (tests/realworld/FAILURES.md)
srv_conf_lighttpd() {
	cat >"$D/lighttpd.conf" <<EOF
server.document-root = "$D/www"
server.port = $PORT
server.bind = "127.0.0.1"
server.username = "nobody"
server.groupname = "nogroup"
server.errorlog = "$D/log/error.log"
server.pid-file = "$D/lighttpd.pid"
server.upload-dirs = ( "$D" )
server.stat-cache-engine = "disable"
EOF
}

# one backend server and no health check: each request tries to connect
# to it; no retry, so a refused connect is answered 503 at once
srv_conf_haproxy() {
	cat >"$D/haproxy.cfg" <<EOF
global
	pidfile $D/haproxy.pid
	user nobody
	group nogroup
defaults
	mode http
	timeout connect 1s
	timeout client 5s
	timeout server 5s
	retries 0
frontend web
	bind $SRV_ADDR:$PORT
$([ -z "${SRV_HEALTH:-}" ] || printf '\thttp-request return status 200 content-type text/plain string ok if { path /health }')
	default_backend app
backend app
	server app1 $BACKEND_ADDR:$BACKEND_PORT
EOF
}

# memcached has no configuration file: its options are its command line
# (items of 1 KiB at most, so that a request of 1100 bytes is too large;
# no maintainer threads: a target's path holds the decisions of all its
# threads, and theirs came between the request's, tests/realworld/FAILURES.md)
srv_conf_memcached() {
	:
}

srv_ask() {
	case $1 in
	good) printf 'set k 0 0 2\r\nhi\r\nget k\r\n' ;;
	too_large) printf 'set big 0 0 1100\r\n%01100d\r\n' 0 ;;
	esac | nc -w 2 127.0.0.1 "$PORT" | head -n 1 | tr -d '\r'
}

# whether the server answers (memcached: a set, stored)
srv_answers() {
	case $server in
	memcached) [ "$(srv_ask good)" = STORED ] ;;
	*) curl -s -o /dev/null "http://127.0.0.1:$PORT/" ;;
	esac
}

srv_backend_up() {
	mkdir -p "$D/backend"
	sed -e "s,listen $SRV_ADDR:$PORT,listen 127.0.0.1:$BACKEND_PORT," \
		-e "s,$D/nginx,$D/backend,g; s,$D/log/,$D/backend/,g" "$D/nginx.conf" >"$D/backend.conf"
	nginx -c "$D/backend.conf" 2>>"$D/start.err"
}

srv_start() {
	server=$1
	srv_users
	mkdir -p "$D/www" "$D/log"
	chmod 755 "$D" "$D/www"
	chown nobody "$D/log"
	echo welcome >"$D/www/index.html"
	"srv_conf_$server"
	[ "$server" != haproxy ] || srv_conf_nginx	# its backend's, for srv_backend_up
	case $server in
	nginx) nginx -c "$D/nginx.conf" ;;
	lighttpd) lighttpd -f "$D/lighttpd.conf" ;;
	haproxy) haproxy -f "$D/haproxy.cfg" -D ;;
	memcached) memcached -u nobody -l 127.0.0.1 -p "$PORT" -U 0 -t 4 -I 1k -o \
		slab_chunk_max=512,no_lru_maintainer,no_lru_crawler,no_hashexpand,no_slab_reassign \
		-P "$D/log/memcached.pid" -d ;;
	esac 2>"$D/start.err" || return 1
	pidfile=$D/$server.pid
	[ "$server" != memcached ] || pidfile=$D/log/memcached.pid	# written as nobody
	t=0
	until [ -s "$pidfile" ] && srv_answers; do
		[ $t -lt 100 ] || return 1
		sleep 0.1
		t=$((t + 1))
	done
	master=$(cat "$pidfile")
}

# the first child of $master (nginx's one worker), or $master itself
srv_worker() {
	for p in /proc/[0-9]*; do
		[ "$(awk '{ print $4 }' "$p/stat" 2>/dev/null)" = "$master" ] && {
			basename "$p"
			return
		}
	done
	echo "$master"
}

srv_stop() {
	[ ! -s "$D/backend.pid" ] || kill "$(cat "$D/backend.pid")" 2>/dev/null
	[ -n "$master" ] || return 0
	kill "$master" 2>/dev/null
	t=0
	while kill -0 "$master" 2>/dev/null && [ $t -lt 100 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	master=
}

srv_version() {
	case $server in
	nginx) nginx -v 2>&1 | sed 's,.*/,,' ;;
	lighttpd) lighttpd -v | sed -n 's,^lighttpd/\([^ ]*\).*,\1,p' ;;
	haproxy) haproxy -v | sed -n 's,^HAProxy version \([^ ]*\).*,\1,p' ;;
	memcached) memcached -V | sed 's,^memcached ,,' ;;
	esac
}
