#!/bin/sh
# Writes a throwaway PKI for the host TLS tests into DIR (openssl CLI):
#   ca.pem                     the CA a client should trust
#   server.pem, server-key.pem the server's certificate for 127.0.0.1 and localhost, from ca.pem
#   other-ca.pem               an unrelated CA (the "wrong CA")
# A server started with `--tls --tlscert DIR/server.pem --tlskey DIR/server-key.pem` requires TLS.
set -eu
dir=${1:?usage: certs.sh DIR}
cd "$dir"

authority() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=natskit test $1" -keyout "$1-key.pem" -out "$1.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        2>/dev/null
}

authority ca
authority other-ca
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=natskit test server" \
    -keyout server-key.pem -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
    -extfile server.ext -out server.pem 2>/dev/null
