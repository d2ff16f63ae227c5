"""WeChat's side of the message signature and the safe-mode AES envelope."""

from __future__ import annotations

import base64
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# WeChat pads to a multiple of 32 bytes, not AES's 16 (PKCS#7 with a 32-byte block).
_PAD_BLOCK = 32


class EnvelopeError(ValueError):
    """A ciphertext that does not decrypt to a well-formed message for this appid."""


def signature(*parts: str) -> str:
    """SHA-1 hex of the parts sorted and joined: the query `signature` and the `msg_signature`."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey."""
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise EnvelopeError("EncodingAESKey must decode to 32 bytes")
    return key


def _cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(text: str, encoding_aes_key: str, appid: str, random16: bytes | None = None) -> str:
    """Base64 ciphertext of random16 + length + text + appid, padded to 32 bytes."""
    body = text.encode("utf-8")
    plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + appid.encode()
    pad = _PAD_BLOCK - len(plain) % _PAD_BLOCK
    plain += bytes([pad]) * pad
    encryptor = _cipher(aes_key(encoding_aes_key)).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")


def decrypt(ciphertext: str, encoding_aes_key: str, appid: str) -> str:
    """The message inside a base64 ciphertext; EnvelopeError unless it is well formed for appid."""
    try:
        raw = base64.b64decode(ciphertext, validate=True)
    except ValueError:
        raise EnvelopeError("ciphertext is not base64") from None
    if not raw or len(raw) % 16:
        raise EnvelopeError("ciphertext length is not a multiple of the AES block")
    decryptor = _cipher(aes_key(encoding_aes_key)).decryptor()
    plain = decryptor.update(raw) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= _PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise EnvelopeError("bad padding (wrong key?)")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise EnvelopeError("plaintext too short")
    (length,) = struct.unpack(">I", plain[16:20])
    body, tail = plain[20 : 20 + length], plain[20 + length :]
    if len(body) != length:
        raise EnvelopeError("length field exceeds the plaintext")
    if tail != appid.encode():
        raise EnvelopeError("appid in the envelope does not match")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise EnvelopeError("message is not UTF-8") from None
