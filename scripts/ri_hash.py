#!/usr/bin/env python3
"""Print the I2P base64 router hash of a RouterInfo file (SHA-256 of its RouterIdentity).
The identity is 384 bytes of keys followed by a certificate (type, 2-byte length, payload)."""
import base64, hashlib, sys

data = open(sys.argv[1], "rb").read()
if len(data) < 387:
    sys.exit("truncated RouterInfo")
cert_len = int.from_bytes(data[385:387], "big")
ident = data[: 387 + cert_len]
h = base64.b64encode(hashlib.sha256(ident).digest(), altchars=b"-~").decode()
print(h)
