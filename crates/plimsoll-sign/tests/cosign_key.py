"""Independent implementation of Cosign's encrypted private key format (go-securesystemslib
`encrypted`: scrypt + NaCl secretbox over PKCS#8 DER), used to cross-check plimsoll.

  cosign_key.py make PASS OUT.key OUT.pub      write a key pair
  cosign_key.py open PASS IN.key OUT.pub       decrypt a key, write its public key
"""
import base64, hashlib, json, os, sys

import nacl.secret
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def pem(label, data):
    b = base64.b64encode(data).decode()
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)


def unpem(text):
    lines = [l for l in text.strip().splitlines() if not l.startswith("-----")]
    return base64.b64decode("".join(lines))


def write_pub(key, path):
    with open(path, "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


cmd, password = sys.argv[1], sys.argv[2].encode()
if cmd == "make":
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    salt, nonce = os.urandom(32), os.urandom(24)
    box_key = hashlib.scrypt(password, salt=salt, n=32768, r=8, p=1, maxmem=64 << 20, dklen=32)
    ct = nacl.secret.SecretBox(box_key).encrypt(der, nonce).ciphertext
    doc = {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1}, "salt": base64.b64encode(salt).decode()},
           "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
           "ciphertext": base64.b64encode(ct).decode()}
    with open(sys.argv[3], "w") as f:
        f.write(pem("ENCRYPTED COSIGN PRIVATE KEY", json.dumps(doc).encode()))
    write_pub(key, sys.argv[4])
elif cmd == "open":
    doc = json.loads(unpem(open(sys.argv[3]).read()))
    assert doc["kdf"]["name"] == "scrypt" and doc["cipher"]["name"] == "nacl/secretbox"
    p = doc["kdf"]["params"]
    box_key = hashlib.scrypt(password, salt=base64.b64decode(doc["kdf"]["salt"]), n=p["N"], r=p["r"], p=p["p"],
                             maxmem=64 << 20, dklen=32)
    der = nacl.secret.SecretBox(box_key).decrypt(base64.b64decode(doc["ciphertext"]), base64.b64decode(doc["cipher"]["nonce"]))
    write_pub(serialization.load_der_private_key(der, None), sys.argv[4])
